"""Which of Keras's callback hooks a callback defines, on its class or on the instance.

``keras.callbacks.LambdaCallback`` sets its hooks on the instance, so asking only the class
misses them. Both the torch engine (which skips batch hooks no callback defines) and grouped
steps (which must not group the batches of a callback that hooks them) ask here.
"""

from __future__ import annotations

__all__ = ["BATCH_HOOKS", "defines_hook"]

BATCH_HOOKS = {  # each phase's batch hooks, its begin and end hooks first
    "train": ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end"),
    "test": ("on_test_batch_begin", "on_test_batch_end"),
    "predict": ("on_predict_batch_begin", "on_predict_batch_end"),
}


def defines_hook(callback, hook: str) -> bool:
    """Whether ``callback.<hook>`` is anything but ``keras.callbacks.Callback``'s empty method."""
    import keras

    method = getattr(callback, hook, None)
    if method is None:
        return False
    return getattr(method, "__func__", method) is not getattr(keras.callbacks.Callback, hook)
