"""The `multikeras` command: compare recipes across backends, or run one recipe.

Errors print one line and exit non-zero; ``--debug`` shows the traceback instead. Output
paths are checked before any data loads, so a bad one fails at once. Ctrl-C and SIGTERM (and
SIGHUP) stop a command within seconds (exit 130, 143) with one line saying what was kept.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from .. import interrupts
from ..datasets import SOURCES
from .output_paths import check_file, check_folder

__all__ = ["main", "build_parser"]

PROG = "multikeras"


class UsageError(Exception):
    """Bad command-line arguments (exit code 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse prints usage and exits; we want one line
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _whole_number(minimum):
    """An argparse type: an integer of at least ``minimum``."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return parse


def _common(parser):
    parser.add_argument(
        "--data", choices=SOURCES, default="embedded", help="embedded sample data (default) or the published data sets"
    )
    parser.add_argument(
        "--data-dir", help="directory holding the published files (default: $MULTIKERAS_DATA_DIR, else Keras's cache)"
    )
    parser.add_argument("--epochs", type=_whole_number(1), help="override each recipe's epochs")
    parser.add_argument("--seed", type=_whole_number(0), default=42, help="random seed (default 42)")
    parser.add_argument("--json", action="store_true", help="print results as JSON on stdout")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")


def _seeds(parser):
    parser.add_argument(
        "--seeds",
        type=_whole_number(1),
        default=1,
        metavar="N",
        help="train under N seeds (--seed, --seed+1, ...), side by side where the cores allow, and report mean, sd and 95%% interval (default 1)",
    )


def _recipe_command(sub, name, help):
    """A subcommand that runs one recipe (positional) on one backend (``--backend``)."""
    command = sub.add_parser(name, help=help)
    command.add_argument("recipe", help="recipe name (see `multikeras recipes`)")
    command.add_argument("--backend", help="torch (default), jax or tensorflow")
    return command


def build_parser():
    parser = _Parser(prog=PROG, description="Run Keras 3 recipes on PyTorch, JAX and TensorFlow.")
    parser.add_argument("--version", action="version", version=f"{PROG} {_version()}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    compare = sub.add_parser("compare", help="train every recipe on every backend and print a side-by-side table")
    compare.add_argument("--recipes", default="all", help="comma-separated recipe names, or 'all' (default)")
    compare.add_argument(
        "--backends",
        default="torch,jax,tensorflow",
        help="comma-separated, in order; the first installed one is the parity source",
    )
    compare.add_argument(
        "--out", help="directory for table.md, results.json and learning curves (default: runs/compare-TIMESTAMP)"
    )
    _common(compare)
    _seeds(compare)
    compare.set_defaults(handler=_compare, kept=_kept_by_compare)

    run = _recipe_command(sub, "run", "train and evaluate one recipe on one backend")
    run.add_argument("--save", help="save the trained model here (.keras unless the name says otherwise)")
    run.add_argument("--batch-size", type=_whole_number(1), help="override the recipe's batch size")
    run.add_argument(
        "--patience",
        type=_whole_number(1),
        help="stop after N epochs without a better val_loss, keeping the best weights",
    )
    run.add_argument("--checkpoint", help="keep the best model so far (by val_loss) at this path, saved atomically")
    run.add_argument(
        "--backup-dir",
        help="back up every epoch here; rerunning the same command after a crash resumes from the last epoch",
    )
    run.add_argument(
        "--class-weight", choices=("balanced",), help="weight classes by n_samples / (n_classes * count) (classifiers)"
    )
    run.add_argument(
        "--tensorboard",
        metavar="LOG_DIR",
        help="write TensorBoard logs here (any backend; `tensorboard --logdir LOG_DIR`)",
    )
    run.add_argument(
        "--plot", metavar="PNG", help="save the learning curves (every metric, train and valid) to this PNG"
    )
    run.add_argument(
        "--ratio",
        action="store_true",
        help="print val_loss / loss after every epoch (overfitting shows as a rising ratio)",
    )
    _common(run)
    _seeds(run)
    run.set_defaults(handler=_run, kept=_kept_by_run)

    lr_find = _recipe_command(sub, "lr-find", "learning-rate range test: suggest a rate and plot loss against it")
    lr_find.add_argument(
        "--out", default="runs/lr-find", help="directory for lr_find.png and lr_find.json (default runs/lr-find)"
    )
    lr_find.add_argument("--min-lr", type=float, default=1e-5, help="starting learning rate (default 1e-5)")
    lr_find.add_argument("--max-lr", type=float, default=10.0, help="final learning rate (default 10)")
    lr_find.add_argument("--batch-size", type=_whole_number(1), help="override the recipe's batch size")
    _common(lr_find)
    lr_find.set_defaults(
        handler=_lr_find, kept=lambda args: "nothing kept (the range test writes its results when it ends)"
    )

    search = _recipe_command(
        sub, "search", "KerasTuner search over a recipe's hyperparameters; best parameters to JSON"
    )
    search.add_argument(
        "--strategy",
        choices=("random", "hyperband", "bayes"),
        default="random",
        help="KerasTuner's RandomSearch (default), Hyperband or BayesianOptimization",
    )
    search.add_argument(
        "--trials", type=_whole_number(1), default=10, help="how many hyperparameter sets to try (default 10)"
    )
    search.add_argument(
        "--out",
        help="directory for best-STRATEGY.json, trials-STRATEGY.png and KerasTuner's trial records (default runs/search/RECIPE)",
    )
    search.add_argument(
        "--patience", type=_whole_number(1), help="end a trial after N epochs without a better val_loss"
    )
    search.add_argument(
        "--fresh", action="store_true", help="discard finished trials in --out instead of resuming after them"
    )
    _common(search)
    search.set_defaults(handler=_search, kept=_kept_by_search)

    export = sub.add_parser("export", help="convert a saved model (.keras) to another format and check its predictions")
    export.add_argument("model", help="the saved model, e.g. from `multikeras run RECIPE --save model.keras`")
    export.add_argument(
        "output", help="where to write: .keras, .weights.h5, .h5, .onnx, or a directory for a SavedModel"
    )
    export.add_argument(
        "--format",
        choices=("keras", "weights", "h5", "savedmodel", "onnx"),
        help="override the format read from OUTPUT",
    )
    export.add_argument(
        "--backend",
        help="the backend that loads MODEL and writes OUTPUT (default torch); see docs/export.md for which writes what",
    )
    export.add_argument(
        "--no-check", action="store_true", help="skip loading the export back and comparing its predictions"
    )
    export.add_argument("--json", action="store_true", help="print the result as JSON")
    export.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    export.set_defaults(handler=_export)

    listing = sub.add_parser("recipes", help="list the recipes")
    listing.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    listing.set_defaults(handler=_list_recipes)
    return parser


def _version():
    from .. import __version__

    return __version__


def _compare(args):
    from .. import registry
    from . import runner
    from .progress import ProgressPrinter

    names = registry.resolve(args.recipes)
    backends = runner.resolve_backends(args.backends)
    out = check_folder("--out", args.out or Path("runs") / time.strftime("compare-%Y%m%d-%H%M%S"))
    args.out = str(out)  # what an interrupt's message names
    progress = _compare_progress(ProgressPrinter(total=len(names) * len(backends) * args.seeds))
    rows = runner.compare(
        names,
        backends,
        data=args.data,
        epochs=args.epochs,
        seed=args.seed,
        data_dir=args.data_dir,
        out=out,
        on_event=progress,
        seeds=args.seeds,
    )
    (_report_seeds if args.seeds > 1 else _report_one_seed)(rows, out, args)
    return _problems(rows, per_seed=args.seeds > 1)


def _report_one_seed(rows, out, args):
    """The table (or JSON) and the fastest backend per recipe; table.md, results.json and curves/ in ``out``."""
    from . import report

    written = report.write_report(rows, out)
    if args.json:
        print(json.dumps(report.json_rows(rows), indent=2))
    else:
        print(report.format_table(rows))
        fastest = report.format_fastest(rows)
        if fastest:
            print("\n" + fastest)
    print(
        f"{PROG}: wrote {written['table']}, {written['results']} and {len(written['curves'])} learning curves in {out}/curves",
        file=sys.stderr,
    )


def _report_seeds(rows, out, args):
    """The seeds' table (or JSON) and the verdicts per recipe; the files as for one seed, plus seeds/."""
    from . import seed_report

    written = seed_report.write_report(rows, out)
    if args.json:
        print(json.dumps(seed_report.json_report(rows), indent=2))
    else:
        print(seed_report.format_table(rows))
        verdicts = seed_report.format_verdicts(rows)
        if verdicts:
            print("\n" + verdicts)
    print(
        f"{PROG}: wrote {written['table']}, {written['results']}, {len(written['curves'])} learning curves (seed {args.seed}) "
        f"in {out}/curves and {len(written['seeds'])} seed plots in {out}/seeds",
        file=sys.stderr,
    )


def _problems(rows, per_seed=False) -> int:
    """Exit code 1, with one line naming the first, if a run failed or a parity check did."""
    from .records import Status

    failed = [r for r in rows if r.status is Status.FAILED]
    parity = [r for r in rows if r.parity_ok is False]
    if not failed and not parity:
        return 0
    first = failed[0] if failed else parity[0]
    why = first.status_text if failed else f"parity {first.parity_max_abs_diff:.1e} > {first.PARITY_TOLERANCE:g}"
    where = f"{first.recipe} on {first.backend}" + (f" seed {first.seed}" if per_seed else "")
    print(f"{PROG}: {len(failed) + len(parity)} problem(s), first: {where}: {why}", file=sys.stderr)
    return 1


def _compare_progress(progress):
    """The progress printer, plus one line when compare resumes a previous run or sets one aside."""

    def on_event(event):
        if event.kind == "resumed":
            print(f"{PROG}: resuming: {event.count} of {progress.total} rows kept from {event.path}", file=sys.stderr)
            progress.done += event.count
        elif event.kind == "restarted":
            print(f"{PROG}: {event.reason}", file=sys.stderr)
        progress(event)

    return on_event


def _kept_by_compare(args):
    from .rows_log import RowsLog

    if not args.out:
        return "nothing kept"
    log = Path(args.out) / "rows.jsonl"
    return f"{len(RowsLog(log).ok_rows())} finished row(s) kept in {log}; run it again with --out {args.out} to train only the rest"


def _select_backend(args):
    """Select ``--backend``, if given; it must run before Keras loads."""
    from ..backends import use_backend

    if args.backend:
        use_backend(args.backend)


def _recipe_on_backend(args):
    """Select ``--backend`` (before Keras loads), then look the recipe up."""
    _select_backend(args)
    from .. import registry

    return registry.get(args.recipe)


def _check_run_outputs(args):
    """Every place `run` writes, checked before training (``--save`` as save_model will name it)."""
    from ..saving import DEFAULT_SUFFIX, SUFFIXES

    if args.save:
        check_file("--save", args.save if args.save.endswith(SUFFIXES) else args.save + DEFAULT_SUFFIX)
    for flag, path in (("--checkpoint", args.checkpoint), ("--plot", args.plot)):
        if path:
            check_file(flag, path)
    for flag, path in (("--tensorboard", args.tensorboard), ("--backup-dir", args.backup_dir)):
        if path:
            check_folder(flag, path)


def _kept_by_run(args):
    if args.seeds > 1:
        return "nothing kept (the seeds' results are printed when every seed has ended)"

    def written(path):
        return path and Path(path).exists()

    kept = [f"the best model so far in {args.checkpoint}"] if written(args.checkpoint) else []
    kept += (
        [f"the last epoch's backup in {args.backup_dir} (run it again to resume)"] if written(args.backup_dir) else []
    )
    kept += [f"TensorBoard logs in {args.tensorboard}"] if written(args.tensorboard) else []
    return "kept " + " and ".join(kept) if kept else "nothing kept (--checkpoint or --backup-dir keep progress)"


def _run(args):
    if args.seeds > 1:
        return _run_seeds(args)
    recipe = _recipe_on_backend(args)
    _check_run_outputs(args)
    from ..saving import save_model
    from ..training import run_callbacks, train_recipe

    verbose = 0 if args.json else (1 if sys.stdout.isatty() else 2)
    callbacks = run_callbacks(patience=args.patience, checkpoint=args.checkpoint, backup_dir=args.backup_dir)
    if args.tensorboard or args.ratio:
        from .. import callbacks as portable

        callbacks += [portable.TensorBoard(args.tensorboard)] if args.tensorboard else []
        callbacks += (
            [portable.ValTrainRatio(warn_above=1.5, stream=lambda line: print(line, file=sys.stderr))]
            if args.ratio
            else []
        )
    result = train_recipe(
        recipe,
        args.data,
        args.data_dir,
        epochs=args.epochs,
        seed=args.seed,
        verbose=verbose,
        callbacks=callbacks,
        batch_size=args.batch_size,
        class_weight=args.class_weight,
    )
    row = dict(result.row, status="ok")
    if args.plot:
        from ..plots import learning_curves

        row["plot"] = str(learning_curves(result.history, args.plot, title=f"{recipe.NAME} on {row['backend']}"))
    if args.save:
        row["saved_to"] = str(save_model(result.model, args.save))
    if args.json:
        print(json.dumps(row, indent=2))
    else:
        naive = f" (naive forecast {row['baseline']:.4f})" if "baseline" in row else ""
        print(
            f"{row['recipe']} on {row['backend']}, {row['data']} data: test {row['metric']} {row['value']:.4f}{naive}; "
            f"fit {row['fit_seconds']:.1f}s for {row['epochs']} epochs, predict {row['predict_ms']:.1f} ms"
        )
        if "resumed_from_epoch" in row:
            print(f"resumed from the backup after epoch {row['resumed_from_epoch']}")
        if args.save:
            print(f"saved to {row['saved_to']}")
    return 0


ONE_MODEL_FLAGS = (
    "save",
    "checkpoint",
    "backup_dir",
    "tensorboard",
    "ratio",
)  # `run`'s flags that write or watch one model


def _refuse_one_model_flags(args):
    """Several seeds train several models, which these flags cannot hold: refused before anything runs."""
    for name in ONE_MODEL_FLAGS:
        if getattr(args, name):
            flag = "--" + name.replace("_", "-")
            raise UsageError(
                f"{flag} is for one model, but --seeds {args.seeds} trains {args.seeds} models; drop {flag} or use --seeds 1"
            )


def _run_seeds(args):
    """`run --seeds N`: the recipe under each seed in worker processes; a line per seed and the summary."""
    _refuse_one_model_flags(args)
    if args.plot:
        check_file("--plot", args.plot)
    from ..backends import active_backend
    from . import runner, seed_report
    from .progress import ProgressPrinter

    backend = args.backend or active_backend()
    rows = runner.run_seeds(
        args.recipe,
        backend,
        seed=args.seed,
        seeds=args.seeds,
        data=args.data,
        data_dir=args.data_dir,
        epochs=args.epochs,
        on_event=ProgressPrinter(total=args.seeds),
        batch_size=args.batch_size,
        patience=args.patience,
        class_weight=args.class_weight,
    )
    result = seed_report.json_report(rows)
    if args.plot:
        result["plot"] = _seed_curves(rows, args.plot)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print_seed_runs(rows, seed_report.groups(rows)[0])
    return _seed_failures(rows)


def _seed_curves(rows, path) -> str | None:
    """``--plot`` over seeds: every seed's learning curves in one PNG, a colour per seed (None if none finished)."""
    from ..plots import learning_curves

    histories = {f"seed {row.seed}": row.history for row in rows if row.history}
    return str(learning_curves(histories, path, title=f"{rows[0].recipe} on {rows[0].backend}")) if histories else None


def _print_seed_runs(rows, group):
    """One line per seed, then the summary over those that finished."""
    for row in rows:
        what = (
            f"test {row.metric} {row.value:.4f}; fit {row.fit_seconds:.1f}s for {row.epochs} epochs"
            if row.ok
            else row.status_text
        )
        print(f"{row.recipe} on {row.backend}, seed {row.seed}: {what}")
    if group.value is None:
        print(f"over {len(rows)} seeds: none finished")
        return
    data = group.ok_rows[0].data
    print(
        f"{group.recipe} on {group.backend}, {data} data, over {group.value.n} of {len(rows)} seeds: "
        f"{group.metric} {_spread(group.value, 4)}; fit seconds {_spread(group.fit, 2)}"
    )
    from . import seed_report

    for _, check in seed_report.book_checks(rows):
        print(f"against the book's {check.reference:g}: {check.text}")


def _spread(summary, digits) -> str:
    sd = "–" if summary.sd is None else f"{summary.sd:.{digits}f}"
    return f"mean {summary.mean:.{digits}f}, sd {sd}, 95% interval {summary.interval_text(digits)}"


def _seed_failures(rows) -> int:
    """Exit code 1, with one line naming the first, if a seed failed."""
    failed = [row for row in rows if not row.ok]
    if not failed:
        return 0
    first = failed[0]
    print(
        f"{PROG}: {len(failed)} of {len(rows)} seeds failed, first: seed {first.seed}: {first.status_text}",
        file=sys.stderr,
    )
    return 1


def _lr_find(args):
    recipe = _recipe_on_backend(args)
    from ..atomic_io import write_json
    from ..training import lr_range_test

    out = check_folder("--out", args.out)
    finder = lr_range_test(recipe, args.data, args.data_dir, args.seed, args.min_lr, args.max_lr, args.batch_size)
    png = finder.plot(out / "lr_find.png")
    result = {"recipe": recipe.NAME, "suggested_learning_rate": finder.suggestion, "steps": len(finder.rates)}
    write_json(out / "lr_find.json", {**result, "rates": finder.rates, "smoothed_loss": finder.smoothed})
    if args.json:
        print(json.dumps({**result, "plot": str(png)}, indent=2))
    else:
        suggestion = "none (the loss never fell)" if finder.suggestion is None else f"{finder.suggestion:.3g}"
        print(f"{recipe.NAME}: suggested learning rate {suggestion} after {len(finder.rates)} batches; curve in {png}")
    return 0


def _search(args):
    import contextlib

    recipe = _recipe_on_backend(args)
    from ..atomic_io import write_json
    from ..plots import search_trials
    from ..tuning import search_recipe

    out = check_folder("--out", args.out or Path("runs") / "search" / recipe.NAME)
    args.out = str(out)  # what an interrupt's message names
    with contextlib.redirect_stdout(sys.stderr):  # KerasTuner's progress; stdout keeps the result
        result = search_recipe(
            recipe,
            args.strategy,
            args.trials,
            args.epochs,
            args.data,
            args.data_dir,
            args.seed,
            out,
            patience=args.patience,
            overwrite=args.fresh,
            verbose=0 if args.json else 1,
        )
    summary = result.to_json()
    best = write_json(out / f"best-{args.strategy}.json", summary)
    png = search_trials(
        [row["score"] for row in result.history],
        out / f"trials-{args.strategy}.png",
        result.objective,
        f"{recipe.NAME}: {args.strategy} search",
    )
    if args.json:
        print(json.dumps({**summary, "written": [str(best), str(png)]}, indent=2))
        return 0
    params = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in result.best_params.items())
    print(
        f"{recipe.NAME}, {args.strategy} search on {result.backend} ({result.trials} trials, {result.seconds:.0f}s): "
        f"best {result.objective} {result.best_score:.4f} with {params}; its test {result.test_metric} {result.test_value:.4f}"
    )
    print(f"wrote {best} and {png}")
    return 0


def _kept_by_search(args):
    if not args.out:
        return "nothing kept"
    return (
        f"finished trials kept in {Path(args.out) / 'tuner'}; run it again to resume after them (--fresh starts over)"
    )


def _export(args):
    _select_backend(args)
    from ..backends import active_backend
    from ..export import check_export, export_model, format_of
    from ..saving import load_model

    fmt = format_of(args.output, args.format)
    model = load_model(args.model, compile=False)
    written = export_model(model, args.output, fmt)
    result = {
        "model": args.model,
        "output": str(written),
        "format": fmt,
        "backend": active_backend(),
        "max_abs_diff": None,
    }
    if not args.no_check:
        result["max_abs_diff"] = check_export(model, written, format=fmt)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        check = "" if args.no_check else f"; predictions match the model's within {result['max_abs_diff']:.2g}"
        print(f"wrote {written} ({fmt}, from {result['backend']}){check}")
    return 0


def _list_recipes(args):
    from .. import registry

    for name in registry.names():
        print(name)
    return 0


def _interrupted(stop, args) -> str:
    """The one line for Ctrl-C or SIGTERM: which, and what the command kept."""
    kept = getattr(args, "kept", None)
    return f"{PROG}: interrupted by {interrupts.signal_name(stop)}; {kept(args) if kept else 'nothing kept'}"


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    args = None
    try:
        with interrupts.stop_signals_raise():  # SIGTERM unwinds like Ctrl-C, so finally blocks stop the workers
            args = build_parser().parse_args(argv)
            return args.handler(args)
    except KeyboardInterrupt as stop:
        live = sys.stderr.isatty()  # a progress line may be half-written there
        print(("\n" if live else "") + _interrupted(stop, args), file=sys.stderr)
        return interrupts.exit_code(stop)
    except Exception as err:
        if debug:
            raise
        code = 2 if isinstance(err, UsageError) else 1
        message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        print(f"{PROG}: error: {message} (--debug for the traceback)", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
