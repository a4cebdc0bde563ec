"""The README's table of scikeras features, generated from the peer lists so it cannot drift.

``python -m peer.migration_table`` prints it; ``--write`` replaces the block between the
README's markers. Each row counts the peer-suite tests behind it: the deviations (strict
expected failures) that show a difference, the excluded tests of a helper not provided.
"""

from __future__ import annotations

import sys
from pathlib import Path

import tomllib

HERE = Path(__file__).parent
README = HERE.parent / "README.md"
START, END = "<!-- scikeras-table:start -->", "<!-- scikeras-table:end -->"
STATUS = {"supported": "supported", "differs": "supported differently", "not provided": "not provided"}


def _load(name: str, table: str) -> list[dict]:
    with (HERE / name).open("rb") as handle:
        return tomllib.load(handle).get(table, [])


def check() -> list[dict]:
    """The features, after checking that every deviation and exclusion names a known one with
    the matching status, and every difference has a deviation behind it."""
    features = _load("scikeras_features.toml", "feature")
    status = {feature["name"]: feature["status"] for feature in features}
    for entry in _load("scikeras_deviations.toml", "deviation"):
        if status.get(entry.get("feature")) != "differs":
            raise ValueError(
                f"deviation {entry['test']} names {entry.get('feature')!r}, which is not a 'differs' feature in scikeras_features.toml"
            )
    for entry in _load("scikeras_exclusions.toml", "exclude"):
        if "feature" in entry and status.get(entry["feature"]) != "not provided":
            raise ValueError(
                f"exclusion {entry['test']} names {entry['feature']!r}, which is not a 'not provided' feature"
            )
    return features


def render() -> str:
    features = check()
    deviations = _load("scikeras_deviations.toml", "deviation")
    exclusions = _load("scikeras_exclusions.toml", "exclude")
    rows = ["| scikeras feature | in multikeras | how, or why not |", "| --- | --- | --- |"]
    for feature in features:
        name, kind = feature["name"], feature["status"]
        detail = feature.get("note") or feature.get("how") or feature.get("why") or ""
        shown = [e for e in deviations if e.get("feature") == name] + [
            e for e in exclusions if e.get("feature") == name
        ]
        if shown:
            what = "deviation" if kind == "differs" else "exclusion"
            detail += f" ({len(shown)} {what}{'s' if len(shown) > 1 else ''} in `peer/`)"
        rows.append(f"| {name} | {STATUS[kind]} | {detail} |")
    return "\n".join(rows)


def readme_block(text: str) -> str:
    start, end = text.index(START) + len(START), text.index(END)
    return text[start:end].strip()


def main(argv: list[str]) -> int:
    table = render()
    if "--write" in argv:
        text = README.read_text()
        start, end = text.index(START) + len(START), text.index(END)
        README.write_text(text[:start] + "\n" + table + "\n" + text[end:])
    else:
        print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
