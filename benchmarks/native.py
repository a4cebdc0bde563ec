"""
Title: Hand-written torch and JAX training loops, the yardstick for Keras on each backend
Run: imported by benchmarks.suite (each baseline runs in that backend's process)

## Introduction
The same two models as the recipes (the classifier MLP 784-300-100-10 with SGD 0.01, and
LSTM(32) + Dense 1 with Huber loss and Adam 1e-3), the same batch size and the same data,
written the way a torch or JAX user would without Keras (JAX also with the whole epoch in one
compiled scan, the floor for XLA). Each returns seconds per epoch
(median over the timed epochs, after one warm-up epoch) and the metric the recipe reports,
so a fast loop that learns nothing would show.
"""

## Setup
import statistics
import time

import numpy as np


def _epochs(step_epoch, epochs):
    """Run ``step_epoch(e)`` once to warm up, then ``epochs`` times; median seconds per epoch."""
    step_epoch(0)
    times = []
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        step_epoch(epoch)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


## PyTorch
def _torch_train(model, loss_fn, optimizer, X, y, epochs, batch_size, seed):
    """The textbook loop: shuffled index batches, zero_grad, backward, step."""
    import torch

    def epoch(e):
        order = torch.randperm(len(X), generator=torch.Generator().manual_seed(seed + e))
        for start in range(0, len(X), batch_size):
            index = order[start : start + batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss_fn(model(X[index]), y[index]).backward()
            optimizer.step()

    return _epochs(epoch, epochs)


def torch_mlp(X, y, X_test, y_test, epochs, batch_size=32, lr=0.01, threads=1, seed=0):
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    X, y = torch.as_tensor(X.reshape(len(X), -1)), torch.as_tensor(y, dtype=torch.long)
    model = torch.nn.Sequential(
        torch.nn.Linear(X.shape[1], 300),
        torch.nn.ReLU(),
        torch.nn.Linear(300, 100),
        torch.nn.ReLU(),
        torch.nn.Linear(100, 10),
    )
    seconds = _torch_train(
        model, torch.nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=lr), X, y, epochs, batch_size, seed
    )
    with torch.no_grad():
        predicted = model(torch.as_tensor(X_test.reshape(len(X_test), -1))).argmax(1).numpy()
    return {"seconds_per_epoch": seconds, "metric": "accuracy", "value": float(np.mean(predicted == y_test))}


def torch_lstm(X, y, X_test, y_test, epochs, batch_size=32, lr=1e-3, threads=1, seed=0):
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(seed)

    class Forecaster(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = torch.nn.LSTM(X.shape[-1], 32, batch_first=True)
            self.head = torch.nn.Linear(32, 1)

        def forward(self, x):
            return self.head(self.lstm(x)[0][:, -1])

    model = Forecaster()
    X, y = torch.as_tensor(X), torch.as_tensor(y.reshape(-1, 1))
    seconds = _torch_train(
        model, torch.nn.HuberLoss(), torch.optim.Adam(model.parameters(), lr=lr), X, y, epochs, batch_size, seed
    )
    with torch.no_grad():
        predicted = model(torch.as_tensor(X_test)).numpy().ravel()
    return {"seconds_per_epoch": seconds, "metric": "mae", "value": float(np.mean(np.abs(predicted - y_test.ravel())))}


## JAX
def _jax_loop(init, forward, loss, update, opt_state, X, y, epochs, batch_size, seed, whole_epoch=False):
    """A jitted step over fixed-size batches (the ragged last batch jits once more).

    ``whole_epoch`` runs an epoch's full batches inside one compiled ``lax.scan`` instead, with
    no trip to the host between steps: the floor for XLA on this model and machine.
    """
    import jax

    def one_step(carry, batch):
        (params, state), (xb, yb) = carry, batch
        value, grads = jax.value_and_grad(lambda p: loss(forward(p, xb), yb))(params)
        return update(params, grads, state), value

    step = jax.jit(lambda params, state, xb, yb: one_step((params, state), (xb, yb))[0])
    scan = jax.jit(lambda params, state, xs, ys: jax.lax.scan(one_step, (params, state), (xs, ys))[0])
    holder = {"params": init, "state": opt_state}
    Xd, yd = jax.device_put(X), jax.device_put(y)

    def epoch(e):
        order = np.random.default_rng(seed + e).permutation(len(X))
        params, state = holder["params"], holder["state"]
        first = 0
        if whole_epoch:
            first = len(X) // batch_size * batch_size
            index = order[:first].reshape(-1, batch_size)
            params, state = scan(params, state, Xd[index], yd[index])
        for start in range(first, len(X), batch_size):
            index = order[start : start + batch_size]
            params, state = step(params, state, Xd[index], yd[index])
        jax.block_until_ready(params)
        holder["params"], holder["state"] = params, state

    return _epochs(epoch, epochs), holder


def _glorot(key, fan_in, fan_out):
    import jax

    limit = np.sqrt(6 / (fan_in + fan_out))
    return jax.random.uniform(key, (fan_in, fan_out), minval=-limit, maxval=limit)


def jax_mlp(X, y, X_test, y_test, epochs, batch_size=32, lr=0.01, seed=0, whole_epoch=False):
    import jax
    import jax.numpy as jnp

    sizes = [X[0].size, 300, 100, 10]
    keys = jax.random.split(jax.random.PRNGKey(seed), len(sizes) - 1)
    params = [(_glorot(k, a, b), jnp.zeros(b)) for k, a, b in zip(keys, sizes[:-1], sizes[1:])]

    def forward(params, x):
        x = x.reshape(x.shape[0], -1)
        for w, b in params[:-1]:
            x = jax.nn.relu(x @ w + b)
        w, b = params[-1]
        return x @ w + b

    def loss(logits, labels):
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), labels[:, None], axis=1))

    def sgd(params, grads, state):
        return jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grads), state

    seconds, trained = _jax_loop(
        params, forward, loss, sgd, (), X.astype(np.float32), y.astype(np.int32), epochs, batch_size, seed, whole_epoch
    )
    predicted = np.asarray(forward(trained["params"], jnp.asarray(X_test, jnp.float32)).argmax(1))
    return {"seconds_per_epoch": seconds, "metric": "accuracy", "value": float(np.mean(predicted == y_test))}


def jax_lstm(X, y, X_test, y_test, epochs, batch_size=32, lr=1e-3, seed=0, units=32, whole_epoch=False):
    import jax
    import jax.numpy as jnp

    k1, k2, k3 = jax.random.split(jax.random.PRNGKey(seed), 3)
    n_in = X.shape[-1]
    params = {
        "w": _glorot(k1, n_in, 4 * units),
        "u": jax.nn.initializers.orthogonal()(k2, (units, 4 * units)),
        "b": jnp.zeros(4 * units).at[units : 2 * units].set(1.0),  # forget-gate bias 1, as Keras
        "head_w": _glorot(k3, units, 1),
        "head_b": jnp.zeros(1),
    }

    def forward(p, x):
        def cell(carry, xt):
            h, c = carry
            i, f, g, o = jnp.split(xt @ p["w"] + h @ p["u"] + p["b"], 4, axis=-1)
            c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
            h = jax.nn.sigmoid(o) * jnp.tanh(c)
            return (h, c), None

        zeros = jnp.zeros((x.shape[0], units))
        (h, _), _ = jax.lax.scan(cell, (zeros, zeros), jnp.swapaxes(x, 0, 1))
        return h @ p["head_w"] + p["head_b"]

    def loss(pred, target):
        error = jnp.abs(pred - target)
        return jnp.mean(jnp.where(error <= 1.0, 0.5 * error**2, error - 0.5))

    def adam(params, grads, state, b1=0.9, b2=0.999, eps=1e-7):
        m, v, t = state
        t = t + 1
        m = jax.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, m, grads)
        v = jax.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, v, grads)
        scale = lr * jnp.sqrt(1 - b2**t) / (1 - b1**t)
        params = jax.tree_util.tree_map(lambda p, m, v: p - scale * m / (jnp.sqrt(v) + eps), params, m, v)
        return params, (m, v, t)

    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    state = (zeros, zeros, jnp.zeros((), jnp.float32))
    seconds, trained = _jax_loop(
        params,
        forward,
        loss,
        adam,
        state,
        X.astype(np.float32),
        y.reshape(-1, 1).astype(np.float32),
        epochs,
        batch_size,
        seed,
        whole_epoch,
    )
    predicted = np.asarray(forward(trained["params"], jnp.asarray(X_test, jnp.float32))).ravel()
    return {"seconds_per_epoch": seconds, "metric": "mae", "value": float(np.mean(np.abs(predicted - y_test.ravel())))}
