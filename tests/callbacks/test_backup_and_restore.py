"""Crash-safe training: kill `multikeras run --backup-dir` with SIGKILL mid-run, rerun, compare.

The tolerance is zero: on CPU, a resumed run replays the same batches from the same weights
and optimizer state, so its final metric equals an uninterrupted run's bit for bit.
"""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

EPOCHS = 8
COMMAND = [
    sys.executable,
    "-m",
    "multikeras.app.cli",
    "run",
    "regression_mlp",
    "--epochs",
    str(EPOCHS),
    "--batch-size",
    "4",
    "--seed",
    "3",
    "--json",
]


def _run(extra=()):
    result = subprocess.run(COMMAND + list(extra), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def _kill_after_epoch(backup_dir, epoch):
    """Start a run, wait until its backup holds ``epoch``, then SIGKILL it a moment into the next."""
    process = subprocess.Popen(
        COMMAND + ["--backup-dir", str(backup_dir)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    state = backup_dir / "backup.json"
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(
                    f"the run ended (rc {process.returncode}) before it could be killed: {process.stderr.read()[-2000:]}"
                )
            try:
                if json.loads(state.read_text())["epoch"] >= epoch:
                    break
            except (FileNotFoundError, ValueError):
                pass
            time.sleep(0.002)
        time.sleep(0.03)  # into the next epoch (or its save)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    return json.loads(state.read_text())["epoch"]


@pytest.mark.fault(
    "multikeras run --backup-dir SIGKILLed after epoch 2, then rerun",
    "resumes from the last backed-up epoch; final metric equal to an uninterrupted run's; backup removed",
)
@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX-only")
def test_a_killed_run_resumes_and_matches_an_uninterrupted_one(tmp_path):
    uninterrupted = _run()
    backup_dir = tmp_path / "backup"
    last_epoch = _kill_after_epoch(backup_dir, epoch=2)
    assert 2 <= last_epoch < EPOCHS
    resumed = _run(["--backup-dir", str(backup_dir)])
    assert resumed["resumed_from_epoch"] == last_epoch
    assert resumed["epochs"] == EPOCHS
    assert resumed["value"] == uninterrupted["value"]
    assert not backup_dir.exists()  # a finished run clears its backup, so the next run starts afresh


@pytest.mark.fault("a backup.json that is not JSON", "ValueError: the backup is unreadable; delete it")
def test_backup_state_names_a_whole_weights_file(tmp_path):
    """What a reader finds between any two epochs: the state file and the one file it names."""
    import keras
    import numpy as np

    import multikeras
    from multikeras.callbacks import BackupAndRestore

    multikeras.set_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("adam", "mse")
    x, y = np.ones((16, 3), "float32"), np.zeros(16, "float32")
    backup = BackupAndRestore(tmp_path, delete_checkpoint=False)
    multikeras.fit(model, x, y, epochs=3, batch_size=4, callbacks=[backup], verbose=0)
    state = json.loads((tmp_path / "backup.json").read_text())
    assert state == {"epoch": 3, "weights": "epoch-00003.weights.h5"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.json", "epoch-00003.weights.h5"]
    (tmp_path / "backup.json").write_text("{not json")
    with pytest.raises(ValueError, match="unreadable.*delete"):
        multikeras.fit(model, x, y, epochs=4, batch_size=4, callbacks=[BackupAndRestore(tmp_path)], verbose=0)


@pytest.mark.fault(
    "BackupAndRestore while the weights turn NaN",
    "NonFiniteWeightsWarning; the backup state still names the last finite epoch",
)
def test_a_backup_never_replaces_a_finite_model_with_a_nan_one(tmp_path):
    import keras
    import numpy as np

    import multikeras
    from multikeras.callbacks import BackupAndRestore
    from multikeras.callbacks.checkpoints import NonFiniteWeightsWarning

    multikeras.set_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(1e-3), "mse")
    x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32") * 1e3
    y = x[:, 0]
    backup = BackupAndRestore(tmp_path, delete_checkpoint=False)
    diverge = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: model.optimizer.learning_rate.assign(1e30)
    )
    with pytest.warns(NonFiniteWeightsWarning, match="backup in"):
        multikeras.fit(model, x, y, epochs=3, batch_size=4, callbacks=[backup, diverge], verbose=0, nan_guard=False)
    state = json.loads((tmp_path / "backup.json").read_text())
    assert state == {"epoch": 1, "weights": "epoch-00001.weights.h5"}  # the finite epoch is still the one to resume
