"""compare's report over several seeds: each recipe and backend summarized, backends tested against seed noise.

With ``--seeds N`` each recipe trains N times on each backend (see `multikeras.app.runner`), so a
gap between two backends can be told from the spread the seeds alone produce. The table gives,
per recipe and backend, the mean, the standard deviation and the 95 % interval (Student's t)
of the metric and of the fit time. Under it, per recipe, Welch's t-test for each pair of
backends says whether they "differ" (p < 0.05) or stay "within seed noise", for the metric and
for the fit time (`multikeras.app.seed_stats`). The JSON holds every seed's row, the summaries and
the verdicts. On the real data, a last line per recipe says which backends reproduce the
book's single run (`seed_stats.ReferenceCheck`). ``seeds/RECIPE.png`` shows each seed's metric per backend. Parity and the
learning curves are the first seed's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..scoring import higher_is_better
from .records import ResultRow
from .report import json_row, markdown_table, number, parity_cell, write_files
from .seed_stats import ReferenceCheck, Summary, Verdict, pairwise, summarize

__all__ = [
    "COLUMNS",
    "FIT",
    "SeedGroup",
    "seeds_of",
    "groups",
    "format_table",
    "verdicts",
    "book_checks",
    "format_verdicts",
    "json_report",
    "plot_seeds",
    "write_report",
]

COLUMNS = (
    "recipe",
    "backend",
    "metric",
    "seeds",
    "mean",
    "sd",
    "95% interval",
    "fit s",
    "fit sd",
    "fit 95% interval",
    "parity",
    "status",
)
FIT = "fit_seconds"  # the quantity name of fit-time verdicts


@dataclass(frozen=True)
class SeedGroup:
    """One recipe on one backend over the seeds: its rows in seed order, and the ok seeds' summaries."""

    recipe: str
    backend: str
    rows: tuple
    value: Summary | None  # the metric; None when no seed finished
    fit: Summary | None  # fit seconds

    @classmethod
    def of(cls, recipe: str, backend: str, rows) -> SeedGroup:
        ok = [row for row in rows if row.ok]
        value = summarize([row.value for row in ok]) if ok else None
        fit = summarize([row.fit_seconds for row in ok]) if ok else None
        return cls(recipe, backend, tuple(rows), value, fit)

    @property
    def ok_rows(self) -> list:
        return [row for row in self.rows if row.ok]

    @property
    def metric(self) -> str | None:
        return next((row.metric for row in self.ok_rows), None)

    @property
    def book_result(self) -> float | None:
        return next((row.book_result for row in self.ok_rows if row.book_result is not None), None)

    @property
    def baseline(self) -> float | None:
        """The naive forecast's score (the same for every seed: it involves no training)."""
        return next((row.baseline for row in self.ok_rows if row.baseline is not None), None)

    @property
    def status(self) -> str:
        """ "ok"; the one reason when every seed ended the same way; else how many finished and the first failure."""
        bad = [row for row in self.rows if not row.ok]
        if not bad:
            return "ok"
        if len(bad) == len(self.rows) and len({row.status_text for row in bad}) == 1:
            return bad[0].status_text
        return f"{len(self.rows) - len(bad)} of {len(self.rows)} ok; seed {bad[0].seed}: {bad[0].status_text}"

    def to_json(self) -> dict:
        first = self.rows[0]  # the parity seed's row
        out = {"recipe": self.recipe, "backend": self.backend, "metric": self.metric, "status": self.status}
        out["seeds"] = [row.seed for row in self.ok_rows]
        out["value"] = None if self.value is None else self.value.to_json()
        out[FIT] = None if self.fit is None else self.fit.to_json()
        out["parity_max_abs_diff"], out["parity_ok"] = first.parity_max_abs_diff, first.parity_ok
        extras = {"baseline": self.baseline, "book_result": self.book_result}
        out.update({key: value for key, value in extras.items() if value is not None})
        return out


def seeds_of(rows: list[ResultRow]) -> list:
    """The seeds the rows were trained under, in order."""
    return sorted({row.seed for row in rows if row.seed is not None})


def groups(rows: list[ResultRow]) -> list[SeedGroup]:
    """One `SeedGroup` per (recipe, backend), in the rows' order."""
    pairs = {}
    for row in rows:
        pairs.setdefault((row.recipe, row.backend), []).append(row)
    return [
        SeedGroup.of(recipe, backend, sorted(found, key=lambda r: r.seed)) for (recipe, backend), found in pairs.items()
    ]


def _interval(summary: Summary | None, digits: int) -> str:
    return "–" if summary is None else summary.interval_text(digits)


def _mean_cell(group: SeedGroup) -> str:
    cell = number(group.value and group.value.mean)
    return cell if group.baseline is None else f"{cell} (naive {group.baseline:.4f})"


def _cells(group: SeedGroup) -> tuple:
    value, fit = group.value, group.fit
    return (
        group.recipe,
        group.backend,
        group.metric or "–",
        f"{len(group.ok_rows)}/{len(group.rows)}",
        _mean_cell(group),
        number(value and value.sd),
        _interval(value, 4),
        number(fit and fit.mean, 2),
        number(fit and fit.sd, 2),
        _interval(fit, 2),
        parity_cell(group.rows[0]),
        group.status,
    )


def format_table(rows: list[ResultRow]) -> str:
    """One line per recipe and backend: the metric's and the fit time's mean, sd and 95 % interval over the seeds."""
    return markdown_table(COLUMNS, [_cells(group) for group in groups(rows)])


def _measured(rows: list[ResultRow]) -> dict:
    """recipe -> its groups with at least one finished seed."""
    by_recipe = {}
    for group in groups(rows):
        if group.value is not None:
            by_recipe.setdefault(group.recipe, []).append(group)
    return by_recipe


def verdicts(rows: list[ResultRow]) -> list:
    """(recipe, `Verdict`) for every pair of backends with results, on the metric and then on fit time."""
    found = []
    for recipe, measured in _measured(rows).items():
        on_metric = pairwise(measured[0].metric, {group.backend: group.value.values for group in measured})
        on_fit = pairwise(FIT, {group.backend: group.fit.values for group in measured})
        found += [(recipe, verdict) for verdict in on_metric + on_fit]
    return found


def _book_result(measured: list) -> float | None:
    """The book's figure for a recipe (real data only), from whichever of its groups carries it."""
    return next((group.book_result for group in measured if group.book_result is not None), None)


def book_checks(rows: list[ResultRow]) -> list:
    """(recipe, `ReferenceCheck`) for each backend with results, on recipes that carry the book's figure."""
    found = []
    for recipe, measured in _measured(rows).items():
        book = _book_result(measured)
        if book is not None:
            upward = higher_is_better(measured[0].metric)
            found += [(recipe, ReferenceCheck(group.backend, book, group.value, upward)) for group in measured]
    return found


def _verdict_text(verdict: Verdict) -> str:
    if verdict.p_value is None:
        return f"{verdict.a} vs {verdict.b} {verdict.text}"
    lower = f", {verdict.lower} {'faster' if verdict.quantity == FIT else 'lower'}" if verdict.differ else ""
    return f"{verdict.a} vs {verdict.b} {verdict.text} (p = {verdict.p_value:.2g}{lower})"


def format_verdicts(rows: list[ResultRow]) -> str:
    """Per recipe, one line for the metric and one for fit time: each pair of backends, "differ" or "within seed noise";
    then, on the real data, one line per recipe on the book's figure."""
    lines = {}  # recipe -> {label: parts}, so each recipe's lines stay together
    for recipe, verdict in verdicts(rows):
        label = "fit time" if verdict.quantity == FIT else verdict.quantity
        lines.setdefault(recipe, {}).setdefault(label, []).append(_verdict_text(verdict))
    for recipe, check in book_checks(rows):
        lines.setdefault(recipe, {}).setdefault(f"against the book's {check.reference:g}", []).append(check.text)
    return "\n".join(
        f"{recipe} {label}: {'; '.join(parts)}" for recipe, labels in lines.items() for label, parts in labels.items()
    )


def json_report(rows: list[ResultRow]) -> dict:
    """``--json`` for several seeds: the seeds, every seed's row, the summaries and the verdicts."""
    return {
        "seeds": seeds_of(rows),
        "rows": [json_row(row) for row in rows],
        "summary": [group.to_json() for group in groups(rows)],
        "verdicts": [{"recipe": recipe, **verdict.to_json()} for recipe, verdict in verdicts(rows)],
        "book": [{"recipe": recipe, **check.to_json()} for recipe, check in book_checks(rows)],
    }


def plot_seeds(rows: list[ResultRow], directory) -> list:
    """One strip plot per recipe with results: each seed's metric per backend, the book's figure as a line."""
    from ..plots import seed_strip

    written = []
    for recipe, measured in _measured(rows).items():
        metric = measured[0].metric
        values = {group.backend: group.value.values for group in measured}
        title = f"{recipe}: test {metric} over {len(seeds_of(rows))} seeds"
        intervals = {group.backend: group.value.interval for group in measured}
        written.append(
            seed_strip(
                values,
                Path(directory) / f"{recipe}.png",
                metric,
                title=title,
                reference=_book_result(measured),
                intervals=intervals,
            )
        )
    return written


def write_report(rows: list[ResultRow], out) -> dict:
    """Write table.md, results.json, histories.json, curves/ (first seed) and seeds/ into ``out``; return their paths."""
    histories = {f"{r.recipe}/{r.backend}/{r.seed}": r.history for r in rows if r.history}
    first = seeds_of(rows)[:1]
    table = format_table(rows) + "\n\n" + format_verdicts(rows)
    written = write_files(out, table, json_report(rows), histories, [row for row in rows if row.seed in first])
    return {**written, "seeds": plot_seeds(rows, Path(out) / "seeds")}
