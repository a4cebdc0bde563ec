"""The PNGs people look at instead of reading numbers: learning curves, the LR-finder curve,
search trials and the seeds' spread per backend.

Matplotlib runs headless (Agg), so plotting works on servers and in CI.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["learning_curves", "lr_finder_curve", "search_trials", "seed_strip", "LOG_SCALE_RATIO", "STRIP_WIDTH"]

# Losses spanning more than this factor get a log axis: early epochs would flatten the rest.
LOG_SCALE_RATIO = 20
# How far a backend's seeds spread sideways in a strip plot (backends sit 1 apart), so equal values stay visible.
STRIP_WIDTH = 0.3


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _as_dict(history) -> dict:
    """A Keras History or its ``.history`` dict."""
    return dict(getattr(history, "history", history))


def learning_curves(histories, path, title="") -> Path:
    """One panel per metric (loss first), training solid and validation dashed, one colour per run.

    ``histories``: a History, a ``{metric: values}`` dict, or ``{label: either}`` for several
    runs (one per backend, say).
    """
    from matplotlib.ticker import MaxNLocator

    plt = _pyplot()
    histories = _as_dict(histories)
    if histories and all(isinstance(v, (list, tuple)) for v in histories.values()):
        histories = {"": histories}
    histories = {label: _as_dict(h) for label, h in histories.items()}
    metrics = list(dict.fromkeys(k for h in histories.values() for k in h if not k.startswith("val_")))
    metrics = sorted(metrics, key=lambda m: m != "loss")
    if not metrics:
        raise ValueError("histories hold no metrics to plot; pass model.fit(...)'s History or its .history dict.")
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 4), squeeze=False)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, metric in zip(axes[0], metrics):
        for color, (label, history) in zip(colors, histories.items()):
            prefix = f"{label} " if label else ""
            for key, style, what in ((metric, "-", "train"), (f"val_{metric}", "--", "valid")):
                if key in history:
                    values = history[key]
                    ax.plot(range(1, len(values) + 1), values, linestyle=style, color=color, label=f"{prefix}{what}")
        values = [v for h in histories.values() for k in (metric, f"val_{metric}") for v in h.get(k, []) if v > 0]
        if metric == "loss" and values and max(values) > LOG_SCALE_RATIO * min(values):
            ax.set_yscale("log")
        ax.set(title=f"{title}: {metric}" if title else metric, xlabel="epoch", ylabel=metric)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    return _save(fig, plt, path)


def lr_finder_curve(rates, losses, suggestion, path, title="learning-rate range test") -> Path:
    """Smoothed loss against the learning rate (log axis), the suggestion marked."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(rates, losses)
    ax.set_xscale("log")
    if suggestion:
        ax.axvline(suggestion, color="tab:red", linestyle="--", label=f"suggested {suggestion:.2g}")
        ax.legend()
    finite = [v for v in losses if v == v]
    if finite:
        low = min(finite)
        ax.set_ylim(low - 0.05 * abs(low), min(max(finite), low + 4 * (finite[0] - low + 1e-12)))
    ax.set(title=title, xlabel="learning rate", ylabel="smoothed loss")
    ax.grid(alpha=0.3, which="both")
    return _save(fig, plt, path)


def search_trials(scores, path, objective="val_loss", title="hyperparameter search") -> Path:
    """Each trial's score in the order it ran, with the best so far as a step line (lower is better)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    points = [(i, s) for i, s in enumerate(scores, start=1) if s is not None and s == s]
    if points:
        trials, values = zip(*points)
        best = [min(values[: k + 1]) for k in range(len(values))]
        ax.scatter(trials, values, label="trial", zorder=3)
        ax.step(trials, best, where="post", color="tab:red", label="best so far")
        if min(values) > 0 and max(values) > LOG_SCALE_RATIO * min(values):
            ax.set_yscale("log")
        ax.legend()
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set(title=title, xlabel="trial", ylabel=objective)
    ax.grid(alpha=0.3)
    return _save(fig, plt, path)


def seed_strip(values, path, metric, title="", reference=None, reference_label="the book", intervals=None) -> Path:
    """Each seed's value as a point per backend (x: backend, y: metric), each backend's mean as a bar.

    ``values``: {backend: [one value per seed]}. ``intervals``: {backend: (low, high)}, the 95 %
    interval of the mean, drawn as a bracket beside the strip. ``reference`` (the book's figure,
    say) is a dashed horizontal line, so the seeds' spread and intervals read against it.
    """
    values = {label: list(ys) for label, ys in values.items() if len(ys)}  # a backend with no values has no strip
    if not values:
        raise ValueError("values hold no seed's value to plot; pass {backend: [one value per seed]}.")
    intervals = intervals or {}
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(3.6 + 1.6 * max(len(values), 2), 4))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    ax.scatter([], [], color="gray", label="a seed")  # the legend's marker, in no backend's colour
    for i, (color, (label, ys)) in enumerate(zip(colors, values.items())):
        offsets = [0.0] if len(ys) < 2 else [STRIP_WIDTH * (k / (len(ys) - 1) - 0.5) for k in range(len(ys))]
        ax.scatter([i + d for d in offsets], ys, color=color, alpha=0.8, zorder=3)
        ax.hlines(
            sum(ys) / len(ys),
            i - STRIP_WIDTH,
            i + STRIP_WIDTH,
            color="black",
            linewidth=2,
            zorder=4,
            label="mean" if i == 0 else None,
        )
        if intervals.get(label) is not None and None not in intervals[label]:  # one seed has no interval
            low, high = intervals[label]
            x = i + STRIP_WIDTH + 0.08
            ax.errorbar(
                [x],
                [(low + high) / 2],
                yerr=[[(high - low) / 2]],
                fmt="none",
                ecolor="black",
                capsize=4,
                linewidth=1,
                zorder=2,
                label="95% interval of the mean" if i == 0 else None,
            )
    if reference is not None:
        ax.axhline(reference, color="tab:red", linestyle="--", label=f"{reference_label}: {reference:g}")
    ax.set_xticks(range(len(values)), list(values))
    ax.set_xlim(-0.7, len(values) - 0.3)
    ax.margins(y=0.12)  # keeps the book's line off the frame when it is the extreme
    ax.set(title=title, xlabel="backend", ylabel=metric)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(
        fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0
    )  # beside the points, never over them
    return _save(fig, plt, path)


def _save(fig, plt, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
