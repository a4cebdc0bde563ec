"""
Title: The torch engine against hand-written torch, skorch and Keras's own loop
Run: python -m benchmarks.torch_engine [--quick] [--repeats N] [--epochs N]

## Introduction
Every recipe trained through plain ``model.fit`` on torch, as Keras users write it, three
ways: through the torch engine (multikeras's default), through Keras's own loop (engine off),
and as a hand-written torch loop doing the same work (same data, batch size, optimizer, loss
and metric; 1 and 2 threads, the faster one counts). The classifier MLP also runs through
skorch's ``NeuralNetClassifier``, through ``KerasClassifier``, and beside one CPU-bound
process (the contention row). Predict compares ``model.predict`` on the test set with the
native forward pass in batches of 32.

Contenders alternate within one process and each figure is the median of ``--repeats``
epochs after a warm-up epoch, so ratios come from one run on one machine state. Results go
to ``benchmarks/results/torch_engine.{json,md}``.
"""

## Setup
import argparse
import contextlib
import importlib.util
import json
import multiprocessing
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402
import torch  # noqa: E402

import multikeras  # noqa: E402  (selects the backend before Keras loads)
from multikeras import registry  # noqa: E402

from . import results_io  # noqa: E402

BATCH = 32
CLASSIFIER_ROWS = 20_000
QUICK_ROWS = 1_024
TARGET_FIT, TARGET_PREDICT, TARGET_CONTENTION = 1.3, 1.3, 1.5


## Data
def load(name, rows):
    source = "real" if os.environ.get("MULTIKERAS_DATA_DIR") else "embedded"
    recipe = registry.get(name)
    (X, y), _, (X_test, y_test) = recipe.load_data(source)
    cut = lambda data: keras.tree.map_structure(lambda a: a[:rows], data)  # noqa: E731
    return recipe, source, cut(X), cut(y), X_test, y_test


## Hand-written torch, the same work as each recipe
class Native(torch.nn.Module):
    """The recipe's architecture in plain torch, weights copied from the Keras model."""

    def __init__(self, name, model):
        super().__init__()
        self.name = name
        self.dense = torch.nn.ModuleDict()
        for layer in model.layers:
            if isinstance(layer, keras.layers.Dense):
                linear = torch.nn.Linear(layer.kernel.shape[0], layer.kernel.shape[1])
                with torch.no_grad():
                    linear.weight.copy_(torch.as_tensor(np.asarray(layer.kernel.numpy()).T))
                    linear.bias.copy_(torch.as_tensor(np.asarray(layer.bias.numpy())))
                self.dense[layer.name] = linear
            elif isinstance(layer, keras.layers.LSTM):
                self.lstm = torch.nn.LSTM(layer.cell.kernel.shape[0], layer.cell.units, batch_first=True)
        self.norms = {
            layer.name: (torch.as_tensor(np.asarray(layer.mean)), torch.as_tensor(np.asarray(layer.variance)))
            for layer in model.layers
            if isinstance(layer, keras.layers.Normalization)
        }

    def _norm(self, name, x):
        mean, variance = self.norms[name]
        return (x - mean) / torch.clamp_min(torch.sqrt(variance), 1e-7)

    def forward(self, x):
        d, relu = self.dense, torch.relu
        if self.name == "classifier_mlp":
            h = x.reshape(len(x), -1)
            for key in list(d)[:-1]:
                h = relu(d[key](h))
            return torch.softmax(d[list(d)[-1]](h), -1)
        if self.name == "regression_mlp":
            h = self._norm("normalization", x)
            for key in list(d)[:-1]:
                h = relu(d[key](h))
            return d[list(d)[-1]](h)
        if self.name == "lstm_forecaster":
            return d[list(d)[-1]](self.lstm(x)[0][:, -1])
        wide, deep = self._norm("normalization_wide", x["wide"]), self._norm("normalization_deep", x["deep"])
        hidden = relu(d["hidden2"](relu(d["hidden1"](deep))))
        output = d["output"](torch.cat([wide, hidden], dim=1))
        return {"output": output, "aux_output": d["aux_output"](hidden)} if "aux_output" in d else output


def _loss_fn(name):
    if name == "classifier_mlp":
        return lambda p, y: torch.nn.functional.nll_loss(torch.log(p.clamp(1e-7, 1 - 1e-7)), y)
    if name == "lstm_forecaster":
        return lambda p, y: torch.nn.functional.huber_loss(p.squeeze(-1), y)
    if name == "wide_deep_aux":
        mse = torch.nn.functional.mse_loss
        return lambda p, y: (
            0.9 * mse(p["output"].squeeze(-1), y["output"]) + 0.1 * mse(p["aux_output"].squeeze(-1), y["aux_output"])
        )
    return lambda p, y: torch.nn.functional.mse_loss(p.squeeze(-1), y)


def _tensors(data):
    return keras.tree.map_structure(
        lambda a: torch.as_tensor(a.astype("float32") if a.dtype.kind == "f" else a.astype("int64")), data
    )


def native_epoch(name, model, X, y, threads):
    """One epoch of the textbook loop (with the recipe's metric accumulated, as Keras reports it)."""
    net, loss_fn = Native(name, model), _loss_fn(name)
    optimizer = (
        torch.optim.SGD(net.parameters(), lr=0.01)
        if name == "classifier_mlp"
        else torch.optim.Adam(net.parameters(), lr=1e-3)
    )
    X, y = _tensors(X), _tensors(y)
    n = len(keras.tree.flatten(y)[0])

    def epoch():
        torch.set_num_threads(threads)
        order, metric = torch.randperm(n), torch.zeros(())
        for start in range(0, n, BATCH):
            index = order[start : start + BATCH]
            xb, yb = keras.tree.map_structure(lambda t: t[index], X), keras.tree.map_structure(lambda t: t[index], y)  # noqa: B023 (mapped at once)
            optimizer.zero_grad(set_to_none=True)
            predictions = net(xb)
            loss = loss_fn(predictions, yb)
            loss.backward()
            optimizer.step()
            with torch.no_grad():
                if name == "classifier_mlp":
                    metric += (predictions.argmax(-1) == yb).float().sum()
                else:
                    main = predictions["output"] if isinstance(predictions, dict) else predictions
                    metric += ((main.squeeze(-1) - (yb["output"] if isinstance(yb, dict) else yb)) ** 2).sum()
        float(metric)

    return net, epoch


## Keras through plain model.fit, engine on or off
def keras_epoch(recipe, X, y, engine: bool):
    keras.utils.set_random_seed(0)
    model = recipe.build_model(**recipe.data_hparams(X))

    def epoch():
        with contextlib.nullcontext() if engine else multikeras.engine_off():
            model.fit(X, y, epochs=1, batch_size=BATCH, verbose=0)

    return model, epoch


def skorch_epoch(X, y):
    from skorch import NeuralNetClassifier

    module = torch.nn.Sequential(
        torch.nn.Flatten(),
        torch.nn.Linear(X[0].size, 300),
        torch.nn.ReLU(),
        torch.nn.Linear(300, 100),
        torch.nn.ReLU(),
        torch.nn.Linear(100, 10),
    )
    net = NeuralNetClassifier(
        module,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.SGD,
        lr=0.01,
        max_epochs=1,
        batch_size=BATCH,
        train_split=None,
        verbose=0,
    )
    X32 = X.astype("float32")
    net.initialize()
    return lambda: net.partial_fit(X32, y)


def wrapper_epochs(X, y):
    """An epoch through ``KerasClassifier.partial_fit``, and one of plain ``multikeras.fit`` on
    the same estimator's model and encoded data: the difference is what the wrapper adds."""
    from multikeras.seeding import set_seed
    from multikeras.sklearn import recipe_estimator

    estimator = recipe_estimator("classifier_mlp", epochs=1, random_state=0)
    flat = X.reshape(len(X), -1)
    estimator.fit(flat, y)
    codes = estimator.target_encoder_.transform(y)

    def plain():
        set_seed(1)  # the wrapper's fits are seeded too
        multikeras.fit(estimator.model_, flat, codes, epochs=1, batch_size=BATCH, verbose=0)

    return (lambda: estimator.partial_fit(flat, y)), plain


## Timing: contenders alternate, medians of repeats
def alternate(contenders: dict, repeats: int) -> dict:
    """``{name: median seconds}``: one warm-up each, then ``repeats`` rounds in turn."""
    for run in contenders.values():
        run()
    times = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, run in contenders.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def _busy(stop):
    while not stop.is_set():
        sum(i * i for i in range(10_000))


@contextlib.contextmanager
def one_busy_process():
    """One CPU-bound process beside the measurement (a second job, a browser tab)."""
    stop = multiprocessing.Event()
    process = multiprocessing.Process(target=_busy, args=(stop,), daemon=True)
    process.start()
    time.sleep(0.5)
    try:
        yield
    finally:
        stop.set()
        process.join(5)


def predict_times(name, model, twin, X_test, repeats):
    net = Native(name, twin)
    X = _tensors(X_test)
    n = len(keras.tree.flatten(X)[0])

    def native():
        with torch.no_grad():
            for start in range(0, n, BATCH):
                net(keras.tree.map_structure(lambda t: t[start : start + BATCH], X))  # noqa: B023 (mapped at once)

    return alternate({"engine": lambda: model.predict(X_test, batch_size=BATCH, verbose=0), "native": native}, repeats)


## Run
def measure(name, rows, repeats):
    recipe, source, X, y, X_test, y_test = load(name, rows)
    model, engine = keras_epoch(recipe, X, y, engine=True)
    _, own = keras_epoch(recipe, X, y, engine=False)
    twin = registry.get("wide_deep").build_model(**recipe.data_hparams(X)) if name == "wide_deep_subclassed" else model
    _, native_1 = native_epoch(name, twin, X, y, threads=1)
    _, native_2 = native_epoch(name, twin, X, y, threads=2)
    contenders = {"engine": engine, "keras": own, "native_1": native_1, "native_2": native_2}
    if name == "classifier_mlp":
        contenders["wrapper"], contenders["wrapper_model_fit"] = wrapper_epochs(X, y)
        if importlib.util.find_spec("skorch") is not None:  # the bench extra: pip install 'multikeras[bench]'
            contenders["skorch"] = skorch_epoch(X, y)
    seconds = alternate(contenders, repeats)
    native = min(seconds["native_1"], seconds["native_2"])
    row = {
        "recipe": name,
        "data": source,
        "n_train": len(keras.tree.flatten(y)[0]),
        "seconds": seconds,
        "fit_vs_native": seconds["engine"] / native,
        "keras_vs_native": seconds["keras"] / native,
    }
    if "wrapper" in seconds:
        row["wrapper_vs_model_fit"] = seconds["wrapper"] / seconds["wrapper_model_fit"]  # what the sklearn layer adds
    if "skorch" in seconds:
        row["wrapper_vs_skorch"] = seconds["wrapper"] / seconds["skorch"]
    if name == "classifier_mlp":
        with one_busy_process():
            loaded = alternate({"engine": engine, "keras": own, "native_1": native_1}, repeats)
        row["busy_seconds"] = loaded
        row["engine_busy_vs_quiet"] = loaded["engine"] / seconds["engine"]
        row["keras_busy_vs_quiet"] = loaded["keras"] / seconds["keras"]
    predict = predict_times(name, model, twin, X_test, repeats)
    row["predict_seconds"] = predict
    row["predict_vs_native"] = predict["engine"] / predict["native"]
    return row


def markdown(payload) -> str:
    lines = [
        f"# Torch engine, {payload['date']}",
        "",
        f"Machine: {payload['machine']}. torch {payload['torch']}, Keras {payload['keras']}. Median of {payload['repeats']} epochs after a warm-up; contenders alternate.",
        "",
        "| recipe | data | rows | engine s/epoch | Keras loop | best native | engine / native | Keras / native | predict engine / native |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in payload["rows"]:
        s = r["seconds"]
        lines.append(
            f"| {r['recipe']} | {r['data']} | {r['n_train']} | {s['engine']:.3f} | {s['keras']:.3f} | {min(s['native_1'], s['native_2']):.3f} "
            f"| {r['fit_vs_native']:.2f}x | {r['keras_vs_native']:.2f}x | {r['predict_vs_native']:.2f}x |"
        )
    for r in payload["rows"]:
        if "busy_seconds" in r:
            s, b = r["seconds"], r["busy_seconds"]
            skorch = (
                f"skorch NeuralNetClassifier {s['skorch']:.3f} s (wrapper / skorch {r['wrapper_vs_skorch']:.2f}x)"
                if "skorch" in s
                else "skorch not installed"
            )
            lines += [
                "",
                f"Classifier MLP: KerasClassifier {s['wrapper']:.3f} s/epoch ({r['wrapper_vs_model_fit']:.2f}x multikeras.fit on its model), {skorch}.",
                f"Beside one CPU-bound process: engine {b['engine']:.3f} s ({r['engine_busy_vs_quiet']:.2f}x its quiet time), "
                f"Keras's loop {b['keras']:.3f} s ({r['keras_busy_vs_quiet']:.2f}x), native 1 thread {b['native_1']:.3f} s.",
            ]
    lines += [
        "",
        f"Targets: fit and predict at most {TARGET_FIT}x native; under contention at most {TARGET_CONTENTION}x quiet; the wrapper no slower than skorch.",
    ]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--quick", action="store_true", help="small data, 2 repeats: a smoke run")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--recipes", default="all")
    parser.add_argument("--out", default=str(results_io.RESULTS))
    args = parser.parse_args(argv)
    repeats = 2 if args.quick else args.repeats
    rows = []
    for name in registry.resolve(args.recipes):
        limit = QUICK_ROWS if args.quick else (CLASSIFIER_ROWS if name == "classifier_mlp" else 10**9)
        rows.append(measure(name, limit, repeats))
        print(
            f"{name}: engine {rows[-1]['fit_vs_native']:.2f}x native, Keras {rows[-1]['keras_vs_native']:.2f}x",
            flush=True,
        )
    payload = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "torch": torch.__version__,
        "keras": keras.__version__,
        "repeats": repeats,
        "rows": rows,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = "torch_engine_quick" if args.quick else "torch_engine"
    (out / f"{stem}.json").write_text(json.dumps(payload, indent=2) + "\n")
    (out / f"{stem}.md").write_text(markdown(payload))
    print(markdown(payload))
    return payload


if __name__ == "__main__":
    main()
