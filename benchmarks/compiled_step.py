"""
Title: The pieces of a compiled torch training step, measured before the engine chooses one
Run: python -m benchmarks.compiled_step [--steps-per-call 1,8] [--quick]

## Introduction
The housing regression MLP (Normalization, 3 x Dense 50 relu, Dense 1; MSE; Adam 1e-3; batch
32; one thread), trained four ways on the same batches:

- **engine**: ``multikeras.fit`` on torch (the eager torch engine), per step over whole epochs;
- **eager**: the same maths as a hand-written ``nn.Module`` step with ``torch.optim.Adam``;
- **compiled xK**: forward, loss, backward (``torch.func.grad_and_value``) and Adam as one
  function of the parameters and optimizer state, K steps per call, ``torch.compile(fullgraph=True)``.

For each compiled program it records the first call (tracing and compiling, with an empty
inductor cache: **cold**), the first call in a new process that shares that cache (**warm**),
and the steady time per step. A warm first call is taken apart (Dynamo's bytecode tracing, and
loading the cached compiled module), and tried once more from a fresh inductor directory with
only ``torch.compiler.save_cache_artifacts``'s bytes loaded (the "mega-cache"): what a process
can skip, and what it must redo. It also times the engine's steps while a compile runs beside
it, in a thread of the same process (the GIL) and in another process: what a tiered
design (train eagerly, compile meanwhile, swap at a step boundary) would cost.
Each measurement runs in its own process.
"""

## Setup
import argparse
import json
import os
import subprocess
import sys
import tempfile

from . import results_io

RESULTS = results_io.RESULTS

_COMMON = """
import json, os, statistics, sys, threading, time
import numpy as np
import torch
torch.set_num_threads(1)
ROWS, FEATURES, HIDDEN, LR, BATCH = 8192, 8, 50, 1e-3, 32
rng = np.random.default_rng(0)
X = torch.as_tensor(rng.normal(size=(ROWS, FEATURES)).astype("float32"))
Y = torch.as_tensor((X.numpy() @ rng.normal(size=FEATURES) + rng.normal(0, 0.1, ROWS)).astype("float32"))
MEAN, STD = X.mean(0), X.std(0)
BATCHES = ROWS // BATCH

def init():
    g = torch.Generator().manual_seed(0)
    sizes = [FEATURES] + [HIDDEN] * 3 + [1]
    params = []
    for n_in, n_out in zip(sizes, sizes[1:]):
        params += [torch.randn(n_in, n_out, generator=g) * (2 / n_in) ** 0.5, torch.zeros(n_out)]
    return params

def loss_fn(params, xb, yb):
    h = (xb - MEAN) / STD
    for i in range(0, len(params) - 2, 2):
        h = torch.relu(h @ params[i] + params[i + 1])
    return torch.mean(((h @ params[-2] + params[-1]).squeeze(-1) - yb) ** 2)

def make_steps(k):
    grad = torch.func.grad_and_value(loss_fn)
    def steps(params, m, v, t, xs, ys):
        for i in range(k):
            grads, loss = grad(params, xs[i], ys[i])
            t = t + 1
            m = [0.9 * a + 0.1 * g for a, g in zip(m, grads)]
            v = [0.999 * a + 0.001 * g * g for a, g in zip(v, grads)]
            alpha = LR * torch.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
            params = [p - alpha * a / (torch.sqrt(b) + 1e-7) for p, a, b in zip(params, m, v)]
        return params, m, v, t, loss
    return torch.compile(steps, fullgraph=True)
"""

_COMPILED = (
    _COMMON
    + """
k, epochs = int(sys.argv[1]), int(sys.argv[2])
mega = sys.argv[3] if len(sys.argv) > 3 else ""  # save:PATH after compiling, load:PATH before
mega_load_s = None
if mega.startswith("load:"):
    start = time.perf_counter()
    torch.compiler.load_cache_artifacts(open(mega[5:], "rb").read())
    mega_load_s = time.perf_counter() - start
steps = make_steps(k)
params = init()
m, v, t = [torch.zeros_like(p) for p in params], [torch.zeros_like(p) for p in params], torch.zeros(())
xs, ys = X[: BATCHES // k * k * BATCH].reshape(-1, k, BATCH, FEATURES), Y[: BATCHES // k * k * BATCH].reshape(-1, k, BATCH)
start = time.perf_counter()
params, m, v, t, loss = steps(params, m, v, t, xs[0], ys[0])
first = time.perf_counter() - start
from torch._dynamo.utils import compile_times
names, values = compile_times(repr="csv")
spent = {name: float(str(value).split(",")[0]) for name, value in zip(names, values)}
if mega.startswith("save:"):
    artifacts = torch.compiler.save_cache_artifacts()
    open(mega[5:], "wb").write(artifacts[0] if artifacts else b"")
per_step = []
for _ in range(epochs):
    start = time.perf_counter()
    for i in range(len(xs)):
        params, m, v, t, loss = steps(params, m, v, t, xs[i], ys[i])
    per_step.append((time.perf_counter() - start) / (len(xs) * k))
print(json.dumps({"first_call_s": first, "us_per_step": statistics.median(per_step) * 1e6 if per_step else None,
                  "loss": float(loss), "tracing_s": spent.get("bytecode_tracing", 0.0),
                  "module_load_s": spent.get("PyCodeCache.load_by_key_path", 0.0), "mega_load_s": mega_load_s}))
"""
)

_EAGER = (
    _COMMON
    + """
epochs = int(sys.argv[1])
layers = []
for i, p in enumerate(init()):
    layers.append(torch.nn.Parameter(p))
opt = torch.optim.Adam(layers, lr=LR, eps=1e-7, foreach=True)
per_step = []
for _ in range(epochs + 1):
    start = time.perf_counter()
    for i in range(BATCHES):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(layers, X[i * BATCH : (i + 1) * BATCH], Y[i * BATCH : (i + 1) * BATCH])
        loss.backward()
        opt.step()
    per_step.append((time.perf_counter() - start) / BATCHES)
print(json.dumps({"us_per_step": statistics.median(per_step[1:]) * 1e6, "loss": float(loss)}))
"""
)

# The eager engine, alone or beside a compile: ``beside`` is none, thread or process.
_ENGINE = (
    _COMMON
    + """
import subprocess
os.environ.setdefault("KERAS_BACKEND", "torch")
import keras, multikeras
epochs, beside, compile_code = int(sys.argv[1]), sys.argv[2], sys.argv[3]
norm = keras.layers.Normalization()
norm.adapt(X.numpy())
model = keras.Sequential([keras.Input((FEATURES,)), norm] + [keras.layers.Dense(HIDDEN, activation="relu") for _ in range(3)] + [keras.layers.Dense(1)])
model.compile(keras.optimizers.Adam(LR), "mse")
multikeras.fit(model, X.numpy(), Y.numpy(), epochs=1, batch_size=BATCH, verbose=0, shuffle=False)
done = threading.Event()
if beside == "thread":
    def compile_beside():
        exec(compile_code, {"__name__": "compile_beside"})
        done.set()
    threading.Thread(target=compile_beside, daemon=True).start()
elif beside == "process":
    child = subprocess.Popen([sys.executable, "-c", compile_code])
per_step = []
for _ in range(epochs):
    start = time.perf_counter()
    multikeras.fit(model, X.numpy(), Y.numpy(), epochs=1, batch_size=BATCH, verbose=0, shuffle=False)
    per_step.append((time.perf_counter() - start) / BATCHES)
if beside == "process":
    child.kill()
print(json.dumps({"us_per_step": statistics.median(per_step) * 1e6}))
"""
)


def _run(code, args, cache_dir, timeout=1200) -> dict:
    env = {**os.environ, "TORCHINDUCTOR_CACHE_DIR": cache_dir, "KERAS_BACKEND": "torch", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, env=env, timeout=timeout
    )
    if done.returncode != 0:
        raise SystemExit(f"measurement failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _compile_only(k: int) -> str:
    """A program that compiles ``k`` steps once (into a cache of its own) and exits."""
    return _COMPILED.replace("k, epochs = int(sys.argv[1]), int(sys.argv[2])", f"k, epochs = {k}, 0")


def main(argv=None):
    parser = argparse.ArgumentParser(description="the pieces of a compiled torch training step")
    parser.add_argument("--steps-per-call", default="1,8", help="K of the compiled programs, comma-separated")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per measurement (8,192 rows each)")
    parser.add_argument(
        "--quick", action="store_true", help="one program of one step per call, one epoch, no beside runs"
    )
    args = parser.parse_args(argv)
    ks = [1] if args.quick else [int(k) for k in args.steps_per_call.split(",")]
    epochs = 1 if args.quick else args.epochs
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        rows.append({"path": "engine", **_run(_ENGINE, [epochs, "none", ""], os.path.join(scratch, "engine"))})
        rows.append({"path": "eager", **_run(_EAGER, [epochs], os.path.join(scratch, "eager"))})
        for k in ks:
            cache = os.path.join(scratch, f"k{k}")
            mega = os.path.join(scratch, f"k{k}.mega")
            cold = _run(_COMPILED, [k, epochs, f"save:{mega}"], cache)
            warm = _run(_COMPILED, [k, 1], cache)
            fresh = _run(_COMPILED, [k, 0, f"load:{mega}"], os.path.join(scratch, f"k{k}-fresh"))
            rows.append({"path": f"compiled x{k}", **cold, "warm_first_call_s": warm["first_call_s"],
                         "warm_tracing_s": warm["tracing_s"], "warm_module_load_s": warm["module_load_s"],
                         "mega_only_first_call_s": fresh["first_call_s"], "mega_load_s": fresh["mega_load_s"]})  # fmt: skip
            print(f"compiled x{k}: cold {cold['first_call_s']:.1f} s, warm {warm['first_call_s']:.1f} s "
                  f"(tracing {warm['tracing_s']:.1f} s, module load {warm['module_load_s']:.1f} s), "
                  f"mega-cache only {fresh['first_call_s']:.1f} s, {cold['us_per_step']:.0f} us/step", flush=True)  # fmt: skip
        if not args.quick:
            for beside in ("thread", "process"):
                code = _compile_only(ks[-1])
                measured = _run(_ENGINE, [epochs, beside, code], os.path.join(scratch, f"beside-{beside}"))
                rows.append({"path": f"engine, compile in a {beside} beside", **measured})
    stamp = results_io.stamp(args.quick)
    lines = [
        f"One training step of the housing MLP (batch 32, Adam, 1 thread), {stamp['date']}, {stamp['machine']}",
        "",
        "| path | us per step | first call, cold cache | first call, warm cache |",
        "| --- | --- | --- | --- |",
        *(
            f"| {r['path']} | {r['us_per_step']:.0f} | "
            + (f"{r['first_call_s']:.1f} s | {r['warm_first_call_s']:.1f} s |" if "first_call_s" in r else " | |")
            for r in rows
        ),
        "",
        "A warm first call taken apart, and the mega-cache alone (a fresh inductor directory):",
        "",
        "| program | warm first call | Dynamo tracing | cached module load | mega-cache load | first call after it |",
        "| --- | --- | --- | --- | --- | --- |",
        *(
            f"| {r['path']} | {r['warm_first_call_s']:.1f} s | {r['warm_tracing_s']:.1f} s | "
            f"{r['warm_module_load_s']:.1f} s | {r['mega_load_s']:.1f} s | {r['mega_only_first_call_s']:.1f} s |"
            for r in rows
            if "warm_tracing_s" in r
        ),
    ]
    results_io.write("compiled_step", {**stamp, "results": rows}, lines, RESULTS)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
