"""Progress lines for long runs: a live epoch line on a terminal, one line per result otherwise."""

from __future__ import annotations

import sys
import time

from .records import Event

__all__ = ["ProgressPrinter"]

QUIET_SECONDS = 30  # off a terminal, epoch lines are printed at most this often


class ProgressPrinter:
    """Feed it the runner's `Event` records; it writes to ``stream`` (stderr, so stdout stays parseable)."""

    def __init__(self, total, stream=None):
        self.total = total
        self.stream = stream or sys.stderr
        self.live = getattr(self.stream, "isatty", lambda: False)()
        self.done = 0
        self.started = time.perf_counter()
        self.last_line = self.started

    def __call__(self, event: Event) -> None:
        handler = getattr(self, f"_on_{event.kind}", None)
        if handler is not None:
            handler(event)

    def _prefix(self):
        return f"[{self.done + 1}/{self.total} {time.perf_counter() - self.started:6.0f}s]"

    def _write(self, text, final=True):
        now = time.perf_counter()
        if self.live:
            self.stream.write("\r\033[K" + text + ("\n" if final else ""))
        elif final or now - self.last_line >= QUIET_SECONDS:
            self.stream.write(text + "\n")
            self.last_line = now
        self.stream.flush()

    @staticmethod
    def _run(event: Event, recipe: str) -> str:
        """The recipe, and its seed when a job runs several (their workers' lines interleave)."""
        return recipe if event.seed is None else f"{recipe} seed {event.seed}"

    def _on_start(self, event: Event) -> None:
        self._write(f"{self._prefix()} {event.backend:<10} {self._run(event, event.recipe)} ...", final=False)

    def _on_epoch(self, event: Event) -> None:
        loss = "" if event.loss is None else f" loss {event.loss:.4f}"
        run = self._run(event, event.recipe)
        self._write(f"{self._prefix()} {event.backend:<10} {run} epoch {event.epoch}/{event.epochs}{loss}", final=False)

    def _on_row(self, event: Event) -> None:
        row = event.row
        summary = f"{row.metric} {row.value:.4f}, fit {row.fit_seconds:.1f}s" if row.ok else row.status_text
        self._write(f"{self._prefix()} {row.backend:<10} {self._run(event, row.recipe)}: {summary}")
        self.done += 1

    def _on_skipped(self, event: Event) -> None:
        self._write(f"{self._prefix()} {event.backend:<10} {event.reason}, skipped")
        self.done += event.count or 0
