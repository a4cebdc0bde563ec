"""docs/faults.md is the one the tests' fault marks generate."""

import pytest

from . import fault_table


def test_the_faults_page_matches_the_tests():
    assert fault_table.PAGE.read_text() == fault_table.render(), (
        "docs/faults.md is stale: run python -m tests.fault_table --write"
    )


def test_a_fault_mark_needs_two_literal_strings(tmp_path, monkeypatch):
    bad = tmp_path / "test_bad.py"
    bad.write_text("import pytest\n\n@pytest.mark.fault(CASE)\ndef test_x():\n    pass\n")
    monkeypatch.setattr(fault_table, "TESTS", tmp_path)
    with pytest.raises(ValueError, match="two literal strings"):
        fault_table.faults_in(bad)


def test_marks_on_parametrized_cases_are_found(tmp_path, monkeypatch):
    page = tmp_path / "test_cases.py"
    page.write_text(
        "import pytest\n\n"
        "@pytest.mark.parametrize('x', [pytest.param(1, marks=pytest.mark.fault('one', 'an error')), 2])\n"
        "def test_x(x):\n    pass\n"
    )
    monkeypatch.setattr(fault_table, "TESTS", tmp_path)
    (fault,) = fault_table.faults_in(page)
    assert (fault.case, fault.outcome) == ("one", "an error") and fault.test.endswith("::test_x")
