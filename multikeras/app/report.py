"""Turn compare's `ResultRow` records into a table, JSON and learning-curve PNGs."""

from __future__ import annotations

import json
from pathlib import Path

from .records import JSON_KEYS, PARITY_TOLERANCE, ResultRow

__all__ = [
    "format_table",
    "markdown_table",
    "parity_cell",
    "number",
    "json_row",
    "fastest_backends",
    "format_fastest",
    "json_rows",
    "plot_learning_curves",
    "write_report",
]

COLUMNS = ("recipe", "backend", "metric", "value", "fit s", "predict ms", "parity", "status")


def number(value, digits=4):
    """A table cell: the value to ``digits`` places, or a dash for none."""
    return "–" if value is None else f"{value:.{digits}f}"


def parity_cell(row: ResultRow) -> str:
    """The parity column: "source", the difference and its verdict, or a dash where nothing was compared."""
    if not row.ok:
        return "–"
    if row.is_parity_source:
        return "source"
    if row.parity_ok is None:
        return "–"
    mark = "ok" if row.parity_ok else f"FAIL >{PARITY_TOLERANCE:g}"
    return f"{row.parity_max_abs_diff:.1e} {mark}"


def _value_cell(row: ResultRow) -> str:
    value = number(row.value)
    if row.baseline is not None:
        value += f" (naive {row.baseline:.4f})"
    return value


def _cells(row: ResultRow) -> tuple:
    return (
        row.recipe,
        row.backend,
        row.metric or "–",
        _value_cell(row),
        number(row.fit_seconds, 1),
        number(row.predict_ms, 1),
        parity_cell(row),
        row.status_text,
    )


def markdown_table(columns, body) -> str:
    """A GitHub-markdown table, aligned so it also reads well in a terminal."""
    widths = [max(len(str(c)) for c in column) for column in zip(columns, *body)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    rule = "| " + " | ".join("-" * w for w in widths) + " |"
    return "\n".join([line(columns), rule, *(line(cells) for cells in body)])


def format_table(rows: list[ResultRow]) -> str:
    """One line per row: metric, fit and predict times, parity, status."""
    return markdown_table(COLUMNS, [_cells(row) for row in rows])


def fastest_backends(rows: list[ResultRow]) -> dict:
    """recipe -> (fastest backend, its fit seconds, slowest/fastest ratio) among successful runs."""
    fastest = {}
    for recipe in dict.fromkeys(row.recipe for row in rows):
        timed = [r for r in rows if r.recipe == recipe and r.ok and r.fit_seconds]
        if timed:
            best = min(timed, key=lambda r: r.fit_seconds)
            slowest = max(r.fit_seconds for r in timed)
            fastest[recipe] = (best.backend, best.fit_seconds, slowest / best.fit_seconds)
    return fastest


def format_fastest(rows: list[ResultRow]) -> str:
    """One line per recipe naming the backend that fitted fastest (needs two timed backends)."""
    lines = [
        f"fastest for {recipe}: {backend} ({seconds:.1f} s to fit; the slowest took {ratio:.1f}x as long)"
        for recipe, (backend, seconds, ratio) in fastest_backends(rows).items()
        if sum(1 for r in rows if r.recipe == recipe and r.ok) > 1
    ]
    return "\n".join(lines)


def json_row(row: ResultRow, **added) -> dict:
    """One row for JSON: the documented keys first, then ``added``, then the rest, never the history."""
    data = row.to_json()
    slim = {key: data.get(key) for key in JSON_KEYS}
    slim.update(added)
    slim.update({k: v for k, v in data.items() if k not in slim})
    return slim


def json_rows(rows: list[ResultRow]) -> list:
    """Rows for ``--json``: the documented keys first, then ``fastest``, then extras."""
    fastest = {recipe: backend for recipe, (backend, _, _) in fastest_backends(rows).items()}
    return [json_row(row, fastest=row.ok and fastest.get(row.recipe) == row.backend) for row in rows]


def plot_learning_curves(rows: list[ResultRow], directory) -> list:
    """One PNG per recipe: each backend's training (solid) and validation (dashed) curves."""
    from ..plots import learning_curves

    written = []
    for recipe in dict.fromkeys(row.recipe for row in rows):
        runs = {row.backend: row.history for row in rows if row.recipe == recipe and row.history}
        if runs:
            written.append(learning_curves(runs, Path(directory) / f"{recipe}.png", title=recipe))
    return written


def write_files(out, table: str, results, histories: dict, curve_rows) -> dict:
    """table.md, results.json, histories.json and curves/ in ``out`` (what one seed's and several
    seeds' reports both write); return their paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "table.md").write_text(table + "\n")
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / "histories.json").write_text(json.dumps(histories) + "\n")
    curves = plot_learning_curves(curve_rows, out / "curves")
    return {"table": out / "table.md", "results": out / "results.json", "curves": curves}


def write_report(rows: list[ResultRow], out) -> dict:
    """Write table.md, results.json, histories.json and curves/*.png into ``out``; return their paths."""
    histories = {f"{r.recipe}/{r.backend}": r.history for r in rows if r.history}
    return write_files(out, format_table(rows) + "\n\n" + format_fastest(rows), json_rows(rows), histories, rows)
