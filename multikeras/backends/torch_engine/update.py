"""The optimizer step: Keras's own update maths, without its per-step bookkeeping.

On torch, Keras's optimizers update all variables with torch's multi-tensor (``_foreach``)
kernels; around that, ``optimizer.apply`` checks variables, filters empty gradients, opens
name scopes and runs clipping, weight-decay and EMA hooks, and Adam's update converts its
scalars through ``keras.ops`` and looks each slot up by variable, every step. When none of
those options is set, the engine runs the same ``_foreach`` operations in the same order on
tensors gathered once per fit (Adam and SGD), or Keras's update step itself (the others), and
counts the iteration. The optimizer's state stays Keras's own variables, so checkpoints,
backups and ``optimizer.variables`` see every update.
"""

from __future__ import annotations

import torch

from .. import keras_internals as internals

__all__ = ["Updater"]


class Updater:
    """``updater(variables)`` applies their gradients as ``optimizer.apply`` would."""

    def __init__(self, optimizer, variables):
        self.optimizer = optimizer
        self.variables = list(variables)
        self.params = [v.value for v in self.variables]
        self.why_not = internals.plain_update_blocker(optimizer, self.variables)
        self.step = None if self.why_not else self._torch_step()

    def _torch_step(self):
        optimizer = self.optimizer
        if type(optimizer) is internals.torch_optimizer_class("Adam") and not optimizer.amsgrad:
            return self._adam
        if type(optimizer) is internals.torch_optimizer_class("SGD") and optimizer.momentum == 0:
            return self._sgd
        return None

    def __call__(self) -> None:
        optimizer = self.optimizer
        grads = [p.grad for p in self.params]
        if self.why_not is not None or not optimizer.built or any(g is None for g in grads):
            optimizer.apply(grads, self.variables)
            return
        if self.step is None:
            internals.parallel_update(optimizer, grads, self.variables)
            return
        self.step(grads)
        optimizer.iterations.value.add_(1)

    def _slots(self, name):
        cache = self.__dict__.setdefault("_slot_cache", {})
        if name not in cache:
            cache[name] = internals.optimizer_slots(self.optimizer, self.variables, name)
        return cache[name]

    def _constants(self, dtype, *values):
        """Scalar tensors of ``values``, made once (a new tensor per step costs more than the maths)."""
        key = (dtype, *values)
        if getattr(self, "_constants_key", None) != key:
            self._constants_key, self._constants_values = key, [torch.tensor(v, dtype=dtype) for v in values]
        return self._constants_values

    def _adam(self, grads) -> None:
        """torch_adam's ``_parallel_update_step``, operation for operation."""
        optimizer, params = self.optimizer, self.params
        dtype = params[0].dtype
        lr = _value(optimizer.learning_rate)
        if not (isinstance(lr, torch.Tensor) and lr.dtype == dtype):
            lr = torch.as_tensor(lr, dtype=dtype)
        local_step = (optimizer.iterations.value + 1).to(dtype)
        beta_1, beta_2 = self._constants(dtype, optimizer.beta_1, optimizer.beta_2)
        beta_1_power = torch.pow(beta_1, local_step)
        beta_2_power = torch.pow(beta_2, local_step)
        alpha = lr * torch.sqrt(1 - beta_2_power) / (1 - beta_1_power)
        m_list, v_list = self._slots("_momentums"), self._slots("_velocities")
        torch._foreach_mul_(m_list, optimizer.beta_1)
        torch._foreach_add_(m_list, grads, alpha=1 - optimizer.beta_1)
        torch._foreach_mul_(v_list, optimizer.beta_2)
        torch._foreach_add_(v_list, torch._foreach_mul(grads, grads), alpha=1 - optimizer.beta_2)
        torch._foreach_add_(
            params,
            torch._foreach_div(
                torch._foreach_mul(m_list, alpha), torch._foreach_add(torch._foreach_sqrt(v_list), optimizer.epsilon)
            ),
            alpha=-1,
        )

    def _sgd(self, grads) -> None:
        """torch_sgd's ``_parallel_update_step`` without momentum, operation for operation."""
        torch._foreach_add_(self.params, grads, alpha=-self.optimizer.learning_rate)

    def zero_grad(self) -> None:
        for param in self.params:
            param.grad = None


def _value(value):
    return value.value if hasattr(value, "value") else value
