"""The records `compare` passes between runner, worker, report, progress and the CLI.

The runner sends each backend's worker a `Job`; the worker answers with `Event` lines on
stdout, one of which carries each recipe's `ResultRow`. Typed records replace the plain dicts
and ``"failed: ..."`` prefix matching, while the JSON on disk and on stdout keeps the keys and
strings it always had (``to_json`` / ``from_json`` are the only places that know them).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, replace
from enum import Enum
from typing import ClassVar

__all__ = ["Status", "Job", "ResultRow", "Event", "EVENT_PREFIX", "PARITY_TOLERANCE", "JSON_KEYS"]

EVENT_PREFIX = "@@multikeras "  # marks the worker's event lines; anything else on its stdout goes to the log
PARITY_TOLERANCE = 1e-4  # the largest |prediction difference| from the source backend that still passes
JSON_KEYS = (
    "recipe",
    "backend",
    "metric",
    "value",
    "fit_seconds",
    "parity_max_abs_diff",
    "status",
)  # documented, in order


class Status(str, Enum):
    """How a (recipe, backend) run ended; a str so JSON holds the plain value."""

    OK = "ok"
    FAILED = "failed"
    NOT_INSTALLED = "not installed"

    def __str__(self) -> str:  # the value, not "Status.OK", in f-strings on every Python
        return self.value


@dataclass(frozen=True)
class Job:
    """What the runner asks one backend's worker to do (written as JSON, read in the subprocess)."""

    recipes: list
    data: str = "embedded"
    data_dir: str | None = None
    epochs: int | None = None  # None: each recipe's own FIT_KWARGS["epochs"]
    seed: int = 42  # with ``seeds``, the parity seed: the only one whose models are saved and reloaded
    source_backend: str | None = None  # the backend whose saved models the others reload for parity; None: no parity
    is_source: bool = False
    artifacts: str = "models"  # where the source saves models and predictions, and the others find them
    seeds: list | None = None  # several seeds, each recipe trained under each in turn; None: ``seed`` alone
    batch_size: int | None = None  # `run --seeds`'s overrides of the recipe's fit
    patience: int | None = None
    class_weight: str | None = None

    # Left out of the JSON while unset, so a one-seed job's file reads as it always has.
    OPTIONAL: ClassVar[tuple] = ("seeds", "batch_size", "patience", "class_weight")

    @property
    def run_seeds(self) -> list:
        """The seeds the worker trains each recipe under."""
        return [self.seed] if self.seeds is None else list(self.seeds)

    def seed_tag(self, seed: int) -> int | None:
        """What rows and events carry as their seed when failing or reporting progress: None in a one-seed job."""
        return None if self.seeds is None else seed

    def to_json(self) -> dict:
        return {k: v for k, v in asdict(self).items() if not (k in self.OPTIONAL and v is None)}

    @classmethod
    def from_json(cls, data: dict) -> Job:
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"job has unknown keys {sorted(unknown)}")
        return cls(**{**data, "recipes": list(data["recipes"])})


@dataclass(frozen=True, kw_only=True)
class ResultRow:
    """One (recipe, backend) result, or one seed's of it when compare runs several seeds.

    Field order is the JSON key order the rows have always had.

    In JSON ``status`` stays one readable string: "ok", "not installed", or
    "failed: <detail>" (``detail`` says why, e.g. "ValueError: ..." or "worker exited with
    code 1: ..."). Unset fields are left out, except that an ok row always carries the parity
    keys, so a failed row is just recipe, backend and status, as before.
    """

    JSON_KEYS: ClassVar[tuple] = JSON_KEYS
    PARITY_TOLERANCE: ClassVar[float] = PARITY_TOLERANCE

    recipe: str
    backend: str
    metric: str | None = None
    value: float | None = None
    fit_seconds: float | None = None
    predict_ms: float | None = None
    epochs: int | None = None
    n_train: int | None = None
    data: str | None = None
    seed: int | None = None
    resumed_from_epoch: int | None = None
    baseline: float | None = None  # the naive forecast's score, for recipes that have one
    status: Status
    detail: str | None = None  # why it failed; joined into the JSON status string
    parity_max_abs_diff: float | None = None  # None on the source backend and where no reference was found
    parity_source: str | None = None
    history: dict | None = None  # per-epoch logs; in rows.jsonl (a rerun redraws the curves), not in results.json
    book_result: float | None = None  # the book's figure for the recipe (real data only); kept beside the history
    extra: dict = field(default_factory=dict)  # keys from training this record does not know; kept as they are

    def __post_init__(self):
        object.__setattr__(self, "status", Status(self.status))

    @classmethod
    def failed(cls, recipe: str, backend: str, detail: str, seed: int | None = None) -> ResultRow:
        return cls(recipe=recipe, backend=backend, seed=seed, status=Status.FAILED, detail=detail)

    @classmethod
    def not_installed(cls, recipe: str, backend: str, seed: int | None = None) -> ResultRow:
        return cls(recipe=recipe, backend=backend, seed=seed, status=Status.NOT_INSTALLED)

    @property
    def ok(self) -> bool:
        return self.status is Status.OK

    @property
    def status_text(self) -> str:
        """The status as printed and written to JSON: "failed: <detail>" keeps the reason in one string."""
        return self.status.value if self.detail is None else f"{self.status.value}: {self.detail}"

    @staticmethod
    def parity_verdict(diff: float | None) -> bool | None:
        """Whether a prediction difference passes (at most the tolerance); None when nothing was compared."""
        return None if diff is None else bool(diff <= PARITY_TOLERANCE)

    @property
    def parity_ok(self) -> bool | None:
        """Derived from the difference, so the verdict and the number cannot disagree."""
        return self.parity_verdict(self.parity_max_abs_diff)

    @property
    def is_parity_source(self) -> bool:
        return self.backend == self.parity_source

    def to_json(self, history: bool = False) -> dict:
        """A JSON-ready dict with today's keys; ``history=True`` (rows.jsonl, worker events) adds
        the per-epoch logs and the book's figure."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("detail", "extra", "history", "book_result"):
                continue
            if f.name == "status":
                out.update(self.extra)
                out["status"] = self.status_text
            elif f.name in ("parity_max_abs_diff", "parity_source") and self.ok:
                out[f.name] = value
                if f.name == "parity_max_abs_diff":
                    out["parity_ok"] = self.parity_ok
            elif value is not None:
                out[f.name] = value
        if history:
            out.update(
                {key: getattr(self, key) for key in ("history", "book_result") if getattr(self, key) is not None}
            )
        return out

    @classmethod
    def from_json(cls, data: dict) -> ResultRow:
        """Read a row back from ``to_json``'s form (rows.jsonl, results.json or a worker event)."""
        known = {f.name for f in fields(cls)} - {"status", "detail", "extra"}
        derived = ("parity_ok", "fastest")  # recomputed, never stored
        head, sep, detail = str(data["status"]).partition(": ")
        return cls(
            **{k: v for k, v in data.items() if k in known},
            status=Status(head),
            detail=detail if sep else None,
            extra={k: v for k, v in data.items() if k not in known and k not in derived and k != "status"},
        )


@dataclass(frozen=True)
class Event:
    """One progress report: from a worker ("ready", "start", "epoch", "row", "done") or the runner.

    The runner's own: "skipped" (a backend not installed), "resumed" (``count`` rows kept from
    the previous run's log at ``path``) and "restarted" (that log belonged to another job;
    ``reason`` says how it differs).
    """

    kind: str
    backend: str | None = None
    recipe: str | None = None
    epoch: int | None = None
    epochs: int | None = None
    loss: float | None = None
    row: ResultRow | None = None
    reason: str | None = None
    count: int | None = None  # for "skipped": how many results it stands for; for "resumed": how many were kept
    path: str | None = None  # for "resumed" and "restarted": the rows log
    seed: int | None = None  # for "start", "epoch" and "row" in a job of several seeds: which one

    def to_line(self) -> str:
        """The worker's stdout line: the prefix, then one JSON object (history included)."""
        payload = {"event": self.kind}
        for f in fields(self)[1:]:
            value = getattr(self, f.name)
            if value is not None:
                payload[f.name] = value.to_json(history=True) if f.name == "row" else value
        return EVENT_PREFIX + json.dumps(payload) + "\n"

    @classmethod
    def from_line(cls, line: str) -> Event | None:
        """The event on a worker's stdout line, or None for any other output."""
        if not line.startswith(EVENT_PREFIX):
            return None
        payload = json.loads(line[len(EVENT_PREFIX) :])
        kind = payload.pop("event")
        if "row" in payload:
            payload["row"] = ResultRow.from_json(payload["row"])
        return cls(kind, **payload)

    def with_backend(self, backend: str) -> Event:
        return self if self.backend is not None else replace(self, backend=backend)
