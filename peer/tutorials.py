"""``python -m peer.tutorials [NAME ...]``: scikeras's documentation tutorials, run against ours.

Each notebook in ``$MULTIKERAS_PEER_DIR/scikeras-0.13.0/notebooks/`` (jupytext markdown) becomes one
program: its ```` ```python ```` cells, in order, with the substitutions in :data:`SUBSTITUTIONS`
and nothing else changed. The program runs in its own process, in a scratch folder, after
``scikeras.wrappers`` is redirected to ``multikeras.sklearn`` and the one download is replaced
(:data:`OFFLINE`). The run fails when a tutorial fails that is not in :data:`KNOWN_FAILURES`; one
listed there that passes is reported, as the suite's gaps are. ``MULTIKERAS_PEER_TARGET=scikeras``
runs the same programs against scikeras itself, for the baseline.
"""

from __future__ import annotations

import argparse
import os
import re
import runpy
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .scikeras_redirect import target_name

SUITE = "scikeras-0.13.0"
RUN_ONE = "--run-one"
TIMEOUT_SECONDS = 900


@dataclass(frozen=True)
class Substitution:
    pattern: str  # a regular expression matched against each line of a cell
    replacement: str
    why: str
    notebook: str | None = None  # the one tutorial it applies to (None: all)


SUBSTITUTIONS = (
    Substitution(
        r"^(\s*)!.*$",
        r"\1pass  # a shell command (pip install) dropped",
        "installing packages is the env's job, and there is no network",
    ),
    Substitution(r"^(\s*)%load_ext .*$", r"\1pass  # an IPython extension dropped", "IPython magics are not Python"),
    Substitution(
        r"^(\s*)%(?:timeit|memit) (.*)$",
        r"\1\2  # an IPython magic, run once",
        "IPython magics are not Python; the statement they time runs once",
    ),
    Substitution(
        r"^from tensorflow import get_logger$",
        'import logging; get_logger = lambda: logging.getLogger("tensorflow")',
        "the torch and JAX envs have no TensorFlow; tf.get_logger() is this same Python logger",
    ),
    Substitution(
        r"epochs=5\b",
        "epochs=1",
        "its five fits each train 20,000 rows of 20,000 one-hot columns, minutes at 5 epochs; the memory it compares is the same at 1",
        notebook="sparse",
    ),
)
OFFLINE = "keras.datasets.mnist.load_data() returns 28x28 uint8 digits made from scikit-learn's bundled 8x8 digits (1,500 to train, 297 to test): no network"
# Tutorials that may fail here and fail for scikeras too, each with the measured reason.
KNOWN_FAILURES = {
    "Meta_Estimators": "AdaBoostClassifier rejects its 1-epoch weak learner when it scores worse than random "
    "('BaseClassifier in AdaBoostClassifier ensemble is worse than random'), which turns on the initial weights: "
    "on torch it fails for scikeras and for us alike, on JAX it passes for both",
}


def program(markdown: str, name: str = "") -> str:
    """The notebook's python cells, in order, each line passed through :data:`SUBSTITUTIONS`."""
    cells = re.findall(r"^```python\n(.*?)^```", markdown, flags=re.DOTALL | re.MULTILINE)
    substitutions = [s for s in SUBSTITUTIONS if s.notebook in (None, name)]
    lines = []
    for cell in cells:
        for line in cell.splitlines():
            for substitution in substitutions:
                line = re.sub(substitution.pattern, substitution.replacement, line)
            lines.append(line)
        lines.append("")
    return "\n".join(lines)


def offline_mnist():
    """MNIST's shapes and dtypes, made from the digits scikit-learn ships (no download)."""
    import numpy as np
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = np.kron(digits.images, np.ones((3, 3)))  # 8x8 -> 24x24
    images = np.pad(images, ((0, 0), (2, 2), (2, 2)))  # -> 28x28, a blank border as MNIST has
    images = np.round(images * (255 / 16)).astype(np.uint8)
    labels = digits.target.astype(np.uint8)
    return (images[:1500], labels[:1500]), (images[1500:], labels[1500:])


def _run_one(path: str) -> None:
    """In the child: redirect, replace the download, run the program as ``__main__``."""
    from . import scikeras_redirect

    scikeras_redirect.install()
    import keras

    keras.datasets.mnist.load_data = lambda *args, **kwargs: offline_mnist()
    runpy.run_path(path, run_name="__main__")


def notebooks(root: Path, names: list[str]) -> list[Path]:
    found = sorted((root / SUITE / "notebooks").glob("*.md"))
    unknown = set(names) - {path.stem for path in found}
    if unknown:
        raise SystemExit(
            f"no tutorial named {', '.join(sorted(unknown))}; the tutorials: {', '.join(p.stem for p in found)}"
        )
    return [path for path in found if not names or path.stem in names]


def main(argv: list[str]) -> int:
    if argv[:1] == [RUN_ONE]:
        _run_one(argv[1])
        return 0
    parser = argparse.ArgumentParser(prog="python -m peer.tutorials", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="tutorials to run (default: all)")
    args = parser.parse_args(argv)
    root = os.environ.get("MULTIKERAS_PEER_DIR")
    if not root or not (Path(root) / SUITE / "notebooks").is_dir():
        print(f"scikeras's tutorials skipped: no {SUITE}/notebooks under MULTIKERAS_PEER_DIR ({root or 'unset'}).")
        return 0
    backend = os.environ.get("KERAS_BACKEND", "torch")
    failures, closed, results = [], [], []
    with tempfile.TemporaryDirectory(prefix="multikeras-tutorials-") as scratch:
        for notebook in notebooks(Path(root), args.names):
            path = Path(scratch) / f"{notebook.stem}.py"
            path.write_text(program(notebook.read_text(), notebook.stem))
            started = time.perf_counter()
            env = {
                **os.environ,
                "MPLBACKEND": "Agg",
                "PYTHONPATH": os.pathsep.join(
                    [str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH", "")]
                ),
            }
            try:
                done = subprocess.run([sys.executable, "-m", "peer.tutorials", RUN_ONE, str(path)], cwd=scratch, env=env,
                                      capture_output=True, text=True, timeout=TIMEOUT_SECONDS)  # fmt: skip
                ok, tail = done.returncode == 0, (done.stdout + done.stderr)[-3000:]
            except subprocess.TimeoutExpired:
                ok, tail = False, f"timed out after {TIMEOUT_SECONDS} s"
            seconds = time.perf_counter() - started
            known = KNOWN_FAILURES.get(notebook.stem)
            verdict = "passed" if ok else ("failed, as listed" if known else "FAILED")
            results.append(f"{notebook.stem}: {verdict} ({seconds:.0f} s)")
            print(results[-1], flush=True)
            if not ok and known:
                print(f"  its error: {tail.strip().splitlines()[-1] if tail.strip() else '(no output)'}")
            if not ok and not known:
                failures.append(notebook.stem)
                print(tail)
            if ok and known:
                closed.append(notebook.stem)
    for name in closed:
        print(
            f"{name} passes on {backend}; once it passes on torch and JAX, remove it from KNOWN_FAILURES in peer/tutorials.py"
        )
    print(f"scikeras 0.13.0's tutorials against {target_name()} ({backend}): {len(results) - len(failures)} of {len(results)} as expected"
          f"{'; failed: ' + ', '.join(failures) if failures else ''}")  # fmt: skip
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
