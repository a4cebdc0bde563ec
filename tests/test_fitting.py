import keras
import numpy as np

import multikeras

SEEN = []  # module-level: Keras copies compiled metrics, so an attribute would not come back


class OrderRecorder(keras.metrics.Metric):
    """Records the labels each training batch carries (needs run_eagerly)."""

    def __init__(self, **kwargs):
        super().__init__(name="order", **kwargs)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if keras.config.backend() == "jax":  # JAX traces metric updates even with run_eagerly
            import jax

            jax.debug.callback(_record, y_true, ordered=True)
        else:
            _record(keras.ops.convert_to_numpy(y_true))

    def result(self):
        return 0.0


def _record(y_true):
    labels = np.asarray(y_true).ravel().astype(int).tolist()
    if len(set(labels)) > 1:  # Keras builds metrics once on a dummy batch of ones
        SEEN.append(labels)


def epoch_orders(seed, epochs=3, n=24, batch_size=8):
    multikeras.set_seed(seed)
    SEEN.clear()
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse", metrics=[OrderRecorder()], run_eagerly=True)
    x = np.arange(n, dtype="float32").reshape(n, 1)
    multikeras.fit(model, x, x[:, 0], epochs=epochs, batch_size=batch_size, verbose=0)
    per_epoch = n // batch_size
    return [sum(SEEN[i * per_epoch : (i + 1) * per_epoch], []) for i in range(epochs)]


def test_seeded_fit_reshuffles_every_epoch_and_repeats_across_runs():
    """On TensorFlow, Keras alone replays one permutation every epoch once a seed is set."""
    orders = epoch_orders(seed=3)
    assert all(sorted(order) == list(range(24)) for order in orders)
    assert orders[0] != orders[1] or orders[1] != orders[2]
    assert epoch_orders(seed=3) == orders
    assert epoch_orders(seed=4) != orders


def test_validation_split_takes_the_last_samples():
    multikeras.set_seed(0)
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x = np.arange(20, dtype="float32").reshape(20, 1)
    history = multikeras.fit(model, x, x[:, 0] * 0, epochs=1, batch_size=4, validation_split=0.25, verbose=0)
    assert "val_loss" in history.history


def test_seeded_builds_ignore_other_threads_drawing_from_random():
    """A Dask worker's event loop draws from Python's global random while models are built."""
    import random
    import threading

    from multikeras.seeding import seeded_build

    stop = threading.Event()

    def noisy():
        while not stop.is_set():
            random.random()

    def build(seed):
        multikeras.set_seed(seed)
        with seeded_build(seed):
            model = keras.Sequential([keras.Input((4,))] + [keras.layers.Dense(8) for _ in range(20)])
        return np.concatenate([keras.ops.convert_to_numpy(w).ravel() for w in model.weights])

    thread = threading.Thread(target=noisy, daemon=True)
    thread.start()
    try:
        first, second = build(11), build(11)
    finally:
        stop.set()
        thread.join()
    np.testing.assert_array_equal(first, second)


def test_a_run_started_at_epoch_2_sees_the_same_batches_as_an_uninterrupted_one():
    """What resuming from a backup relies on: epoch e's order depends on (seed, e) only."""
    whole = epoch_orders(seed=5, epochs=4)
    multikeras.set_seed(5)
    SEEN.clear()
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse", metrics=[OrderRecorder()], run_eagerly=True)
    x = np.arange(24, dtype="float32").reshape(24, 1)
    multikeras.fit(model, x, x[:, 0], epochs=4, initial_epoch=2, batch_size=8, verbose=0)
    assert [sum(SEEN[:3], []), sum(SEEN[3:6], [])] == whole[2:]
