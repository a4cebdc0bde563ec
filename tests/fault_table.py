"""docs/faults.md: every bad input and fault the tests try, and what the user gets.

Each such test carries ``@pytest.mark.fault("what is tried", "what the user gets")`` (on a
``pytest.param`` for one case of a parametrized test), and the page is generated from those
marks, read from the test files' syntax trees, so it cannot drift from the tests:
``python -m tests.fault_table --write``; ``tests/test_fault_table.py`` fails when it is stale.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

TESTS = Path(__file__).parent
PAGE = TESTS.parent / "docs" / "faults.md"
HEADER = """# Bad input and faults: what you get

Every row is a test that tries the fault on each backend it runs on (the kill and lost-worker
tests run once, in tox env `cross`). Generated from the tests' `fault` marks by
`python -m tests.fault_table --write`; a test fails when this page is stale.
"""


@dataclass(frozen=True)
class Fault:
    source: str  # the module the test file mirrors, e.g. multikeras/validation.py
    case: str
    outcome: str
    test: str  # path::name


def _is_fault_mark(node) -> bool:
    return isinstance(node, ast.Call) and ast.unparse(node.func) == "pytest.mark.fault"


def _strings(call: ast.Call, where: str) -> tuple[str, str]:
    if len(call.args) != 2 or not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in call.args):
        raise ValueError(f"{where}: pytest.mark.fault takes two literal strings (what is tried, what the user gets)")
    return call.args[0].value, call.args[1].value


def _source_of(path: Path) -> str:
    """The module a test file mirrors (tests/sklearn/test_x.py: multikeras/sklearn/x.py), else the test file."""
    relative = path.relative_to(TESTS)
    package = ("recipes",) if relative.parts[:1] == ("recipes",) else ("multikeras", *relative.parts[:-1])
    source = Path(*package, relative.name.removeprefix("test_"))
    return str(source) if (TESTS.parent / source).exists() else str(path.relative_to(TESTS.parent))


def faults_in(path: Path) -> list[Fault]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or not node.name.startswith("test"):
            continue
        marks = [call for decorator in node.decorator_list for call in ast.walk(decorator) if _is_fault_mark(call)]
        for call in marks:
            case, outcome = _strings(call, f"{path}:{call.lineno}")
            found.append(
                (call.lineno, Fault(_source_of(path), case, outcome, f"{path.relative_to(TESTS.parent)}::{node.name}"))
            )
    return [fault for _, fault in sorted(found, key=lambda item: item[0])]


def collect() -> list[Fault]:
    return [fault for path in sorted(TESTS.rglob("test_*.py")) for fault in faults_in(path)]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render() -> str:
    sections, current = [HEADER], None
    for fault in collect():
        if fault.source != current:
            current = fault.source
            sections.append(f"\n## `{current}`\n\n| what is tried | what you get | test |\n| --- | --- | --- |")
        sections.append(f"| {_cell(fault.case)} | {_cell(fault.outcome)} | `{fault.test.split('::')[-1]}` |")
    return "\n".join(sections) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--write" in argv:
        PAGE.write_text(text)
        print(f"wrote {PAGE} ({len(collect())} faults)")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
