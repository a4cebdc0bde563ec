"""compare's ``OUT/rows.jsonl``: every finished row, on disk as it arrives, for a rerun to reuse.

The first line is a header holding the job's fingerprint (what makes two runs' rows
interchangeable: data, data directory, epochs, seed, backends, the parity source and the
multikeras and Keras versions, and with ``--seeds`` the seed list; not the recipes, since each
row stands alone). A job of one seed keys its rows by (recipe, backend), one of several by
(recipe, backend, seed): the header says which. Each further
line is one `ResultRow` with its history, flushed and fsynced before the next, so a killed
run keeps every row it finished. A rerun with the same fingerprint reads the ok rows back;
with a different one the log starts afresh. A run that got to the end adds a closing line,
and a rerun over a finished log starts afresh too: resuming is for runs that died.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from ..atomic_io import atomic_path
from ..datafiles import data_dir as resolve_data_dir
from .records import ResultRow

__all__ = ["FINISHED_KEY", "HEADER_KEY", "RowsLog", "Previous", "fingerprint", "row_key"]

HEADER_KEY = "compare_fingerprint"  # the header line is {HEADER_KEY: fingerprint}
FINISHED_KEY = "compare_finished"  # the closing line of a run that got to the end


def fingerprint(data, data_dir, epochs, seed, backends, source, seeds=None) -> dict:
    """What must match for a previous run's rows to stand in for this run's (JSON-ready).

    ``seeds``: the seed list of a job of several seeds; a one-seed job's fingerprint has no
    such key, so it reads as it always has.
    """
    from .. import __version__

    found = {
        "data": data,
        "data_dir": None
        if data == "embedded"
        else str(resolve_data_dir(data_dir).absolute()),  # embedded data reads no files
        "epochs": epochs,
        "seed": seed,
        "backends": list(backends),
        "source_backend": source,
        "multikeras": __version__,
        "keras": _version("keras"),
    }
    return found if seeds is None else {**found, "seeds": list(seeds)}


def row_key(row: ResultRow, by_seed: bool = False) -> tuple:
    """What tells a job's rows apart: (recipe, backend), plus the seed in a job of several seeds."""
    return (row.recipe, row.backend, row.seed) if by_seed else (row.recipe, row.backend)


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


@dataclass
class Previous:
    """What an existing log holds for this job."""

    rows: dict = field(default_factory=dict)  # `row_key` -> ok ResultRow
    matched: bool = False  # the log was written for the same fingerprint
    reason: str | None = None  # why an existing log was set aside


class RowsLog:
    """The rows file of one compare job, identified by its fingerprint."""

    def __init__(self, path, fingerprint: dict | None = None):
        self.path = Path(path)
        self.fingerprint = fingerprint

    def read(self) -> Previous:
        """The ok rows of a log written for this fingerprint; none (and why) for any other log."""
        lines = self._lines()
        if not lines:
            return Previous()
        theirs = (_parse(lines[0]) or {}).get(HEADER_KEY)
        if FINISHED_KEY in (_parse(lines[-1]) or {}):
            return Previous()  # a finished run: this one is a new run, not a resumption
        if theirs != self.fingerprint:
            return Previous(reason=f"{self.path} is from a different job ({_difference(theirs, self.fingerprint)})")
        return Previous(self.ok_rows(lines), matched=True)

    def ok_rows(self, lines=None) -> dict:
        """`row_key` -> the ok rows on disk, whichever job wrote them (its header says whether seeds count)."""
        lines = self._lines() if lines is None else lines
        header = (_parse(lines[0]) or {}).get(HEADER_KEY) if lines else None
        by_seed = isinstance(header, dict) and header.get("seeds") is not None
        rows = {}
        for line in lines[1:]:
            row = _row(line)
            if row is not None:
                rows[row_key(row, by_seed)] = row  # the last line for a key wins
        return {key: row for key, row in rows.items() if row.ok}

    def _lines(self) -> list:
        return self.path.read_text(errors="replace").splitlines() if self.path.exists() else []

    def begin(self, rows=()) -> None:
        """Start the file afresh, atomically: the header, then ``rows`` kept from a previous run."""
        with atomic_path(self.path) as tmp:
            with open(tmp, "w") as out:
                out.write(json.dumps({HEADER_KEY: self.fingerprint}) + "\n")
                out.writelines(_line(row) for row in rows)

    def append(self, row: ResultRow) -> None:
        """Add one row and make it durable before returning (a kill right after keeps it)."""
        with open(self.path, "a") as out:
            out.write(_line(row))
            out.flush()
            os.fsync(out.fileno())

    def finish(self) -> None:
        """Mark the run finished, so the next run with the same arguments trains afresh."""
        with open(self.path, "a") as out:
            out.write(json.dumps({FINISHED_KEY: True}) + "\n")


def _line(row: ResultRow) -> str:
    return json.dumps(row.to_json(history=True)) + "\n"


def _parse(line: str):
    try:
        return json.loads(line)
    except ValueError:  # a line cut short by a kill mid-write
        return None


def _row(line: str) -> ResultRow | None:
    data = _parse(line)
    try:
        return ResultRow.from_json(data) if isinstance(data, dict) else None
    except (KeyError, TypeError, ValueError):
        return None


def _difference(theirs, ours: dict) -> str:
    if not isinstance(theirs, dict):
        return "it has no fingerprint line"
    keys = dict.fromkeys([*ours, *theirs])  # a key only one side has (seeds) differs too
    changed = [
        f"{key} was {theirs.get(key)!r}, now {ours.get(key)!r}" for key in keys if theirs.get(key) != ours.get(key)
    ]
    return "; ".join(changed)
