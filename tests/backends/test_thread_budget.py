import pytest

from multikeras.backends import thread_budget

from ..conftest import run_python


@pytest.mark.fault("OMP_NUM_THREADS=lots", "ValueError: OMP_NUM_THREADS must be a whole number")
def test_budget_comes_from_multikeras_threads_then_omp():
    assert thread_budget.thread_budget({"MULTIKERAS_THREADS": "2", "OMP_NUM_THREADS": "1"}) == 2
    assert thread_budget.thread_budget({"OMP_NUM_THREADS": "1"}) == 1
    assert thread_budget.thread_budget({}) is None
    with pytest.raises(ValueError, match="OMP_NUM_THREADS must be a whole number"):
        thread_budget.thread_budget({"OMP_NUM_THREADS": "lots"})


def test_one_thread_budget_reaches_xla_and_tensorflow_but_keeps_user_settings():
    env = {"OMP_NUM_THREADS": "1", "TF_NUM_INTRAOP_THREADS": "4"}
    assert thread_budget.configure_from_environment(env) == 1
    assert env["TF_NUM_INTRAOP_THREADS"] == "4" and env["TF_NUM_INTEROP_THREADS"] == "1"
    assert "xla_cpu_multi_thread_eigen=false" in env["XLA_FLAGS"]
    env = {"OMP_NUM_THREADS": "1", "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=true"}
    thread_budget.configure_from_environment(env)
    assert env["XLA_FLAGS"] == "--xla_cpu_multi_thread_eigen=true"


CHECK = """
import multikeras, keras, numpy as np
model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
model.compile("sgd", "mse")
model.fit(np.ones((8, 3)), np.ones(8), verbose=0)
backend = keras.config.backend()
if backend == "torch":
    import torch; print(torch.get_num_threads())
elif backend == "tensorflow":  # TF's runtime reads it (measured: CPU/wall 0.99 with 1, 1.8 without)
    import os; print(os.environ["TF_NUM_INTRAOP_THREADS"])
else:
    import os; print(1 if "multi_thread_eigen=false" in os.environ["XLA_FLAGS"] else 0)
"""


def test_a_worker_with_one_thread_runs_every_backend_on_one_thread(backend):
    result = run_python(CHECK, {"OMP_NUM_THREADS": "1", "XLA_FLAGS": None, "TF_NUM_INTRAOP_THREADS": None})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "1"
