"""multikeras: write a Keras 3 recipe once, run it on PyTorch (default), JAX and TensorFlow.

Importing this package picks the Keras backend before Keras itself loads: ``KERAS_BACKEND``
if set, else ``torch``. Keras 3 cannot switch backends inside a process, so work that spans
backends runs one subprocess per backend (see :mod:`multikeras.app.runner`).
"""

from .backends import BACKENDS, active_backend, configure_process, use_backend

configure_process()  # before Keras loads: backend, thread budget, JAX's cache, TensorFlow kept out

from .backends.torch_engine import disabled as engine_off  # noqa: E402
from .fitting import fit  # noqa: E402
from .predicting import predict  # noqa: E402
from .saving import load_model, save_model  # noqa: E402
from .seeding import set_seed  # noqa: E402

__version__ = "0.1.0"
__all__ = [
    "BACKENDS",
    "active_backend",
    "use_backend",
    "fit",
    "predict",
    "explain",
    "patches",
    "engine_off",
    "save_model",
    "load_model",
    "set_seed",
    "__version__",
]


def explain(model) -> str:
    """How this backend runs ``model``: on torch, each layer lowered to torch or run as written, and why."""
    from .backends import current

    return current().explain(model)


def patches() -> str:
    """Every change multikeras makes to Keras, torch, JAX, TensorFlow or Python: what, why, for how long, how to turn it off."""
    from .backends.patches import table

    return table()
