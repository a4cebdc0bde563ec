import keras
import numpy as np

import multikeras
from multikeras.callbacks import TensorBoard


def test_event_files_read_back_with_tensorboards_own_reader(tmp_path):
    multikeras.set_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = np.random.default_rng(0).normal(size=(32, 3)).astype("float32"), np.arange(32) % 2
    history = multikeras.fit(
        model, x, y, validation_split=0.25, epochs=3, batch_size=8, callbacks=[TensorBoard(tmp_path)], verbose=0
    )

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    train = EventAccumulator(str(tmp_path / "train"))
    train.Reload()
    assert set(train.Tags()["scalars"]) == {"epoch_loss", "epoch_accuracy", "epoch_learning_rate"}
    loss = train.Scalars("epoch_loss")
    assert [e.step for e in loss] == [0, 1, 2]
    np.testing.assert_allclose([e.value for e in loss], history.history["loss"], rtol=1e-6)
    assert train.Scalars("epoch_learning_rate")[0].value == np.float32(0.01)
    valid = EventAccumulator(str(tmp_path / "validation"))
    valid.Reload()
    np.testing.assert_allclose([e.value for e in valid.Scalars("epoch_loss")], history.history["val_loss"], rtol=1e-6)


def test_writing_logs_does_not_import_tensorflow(tmp_path):
    from ..conftest import run_python

    code = (
        "import sys, numpy as np, keras, multikeras\n"
        "from multikeras.callbacks import TensorBoard\n"
        "m = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]); m.compile('sgd', 'mse')\n"
        f"multikeras.fit(m, np.ones((4, 2)), np.ones(4), epochs=1, verbose=0, callbacks=[TensorBoard({str(tmp_path)!r})])\n"
        "print('tensorflow' in sys.modules)"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr[-2000:]
    expected = "True" if multikeras.active_backend() == "tensorflow" else "False"
    assert result.stdout.split()[-1] == expected
