"""Torch functions for the common Keras layers, each the same maths as the layer's ``call``.

:func:`lower` returns ``(bind, why)``: ``bind()`` gives a function computing the layer's
output from torch tensors over the torch tensors of the layer's variables, taken when bound
(Keras updates, ``set_weights`` and loading all write those tensors in place, so a bound
function sees them); ``bind`` is None when the layer must run its own ``call``. ``why`` says
which, for ``multikeras.explain``. A lowering applies only to the exact Keras class with the options it
reproduces: a subclass may change ``call``, so it runs its own.
"""

from __future__ import annotations

import keras
import torch

from .. import keras_internals as internals

__all__ = ["lower", "LOWERED"]

ACTIVATIONS = {
    keras.activations.linear: lambda x: x,
    keras.activations.relu: torch.relu,
    keras.activations.sigmoid: torch.sigmoid,
    keras.activations.tanh: torch.tanh,
    keras.activations.softmax: lambda x: torch.softmax(x, dim=-1),
}


def _activation(fn):
    """A torch function for a Keras activation; other activations run Keras's own (on torch tensors)."""
    return ACTIVATIONS.get(fn, fn)


def _dense(layer):
    if layer.lora_enabled or layer.quantization_mode is not None:
        return None, "Dense with LoRA or quantization runs its own call"
    activation = _activation(layer.activation)

    def bind():
        kernel = layer.kernel.value
        if layer.bias is None:
            return lambda x: activation(torch.matmul(x, kernel))
        bias = layer.bias.value
        return lambda x: activation(torch.matmul(x, kernel) + bias)

    return bind, "torch.matmul" + (" + bias" if layer.bias is not None else "")


def _activation_layer(layer):
    fn = _activation(layer.activation)
    return (
        lambda: lambda x: fn(x)
    ), "torch activation"  # a Python function: torch's builtins have no signature to inspect


def _flatten(layer):
    if layer.data_format == "channels_first":
        return None, "Flatten(data_format='channels_first') runs its own call"
    return (lambda: lambda x: x.reshape(x.shape[0], -1)), "reshape"


def _reshape(layer):
    shape = tuple(layer.target_shape)
    return (lambda: lambda x: x.reshape(x.shape[0], *shape)), "reshape"


def _normalization(layer):
    if layer.invert:
        return None, "Normalization(invert=True) runs its own call"
    epsilon = keras.config.epsilon()

    def bind():
        mean, variance = _tensor(layer.mean), _tensor(layer.variance)
        return lambda x: (x - mean) / torch.clamp_min(torch.sqrt(variance), epsilon)

    return bind, "(x - mean) / max(sqrt(variance), epsilon)"


def _tensor(value):
    return value.value if isinstance(value, keras.Variable) else value


def _concatenate(layer):
    axis = layer.axis
    return (lambda: lambda xs: torch.cat(xs, dim=axis)), "torch.cat"


def _add(layer):
    def add(xs):
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out

    return (lambda: add), "sum"


def _multiply(layer):
    def multiply(xs):
        out = xs[0]
        for x in xs[1:]:
            out = out * x
        return out

    return (lambda: multiply), "product"


def _embedding(layer):
    if getattr(layer, "quantization_mode", None) is not None or getattr(layer, "lora_enabled", False):
        return None, "Embedding with LoRA or quantization runs its own call"
    if layer.mask_zero:
        return None, "Embedding(mask_zero=True) makes a mask for the layers after it: its own call runs"

    def bind():
        table = layer.embeddings.value
        return lambda ids: table[ids.long()]

    return bind, "table lookup"


def _layer_normalization(layer):
    axes = [layer.axis] if isinstance(layer.axis, int) else list(layer.axis)
    if layer.rms_scaling or axes not in ([-1],):
        return None, "LayerNormalization over other axes, or with rms_scaling, runs its own call"
    epsilon = layer.epsilon

    def bind():
        gamma = layer.gamma.value if layer.gamma is not None else None
        beta = layer.beta.value if layer.beta is not None else None
        return lambda x: torch.nn.functional.layer_norm(x, (x.shape[-1],), gamma, beta, epsilon)

    return bind, "torch layer_norm kernel"


def _unseeded_dropout(x, rate):
    if rate == 0.0:
        return x
    return torch.nn.functional.dropout(x, p=rate, training=True) if rate < 1.0 else torch.zeros_like(x)


def _dropout(layer):
    """Keras's torch dropout: with a layer seed, a Bernoulli mask drawn from a generator seeded
    by the layer's SeedGenerator (advanced as Keras advances it); without, torch's own dropout."""
    if layer.noise_shape is not None:
        return None, "Dropout with noise_shape runs its own call"

    def bind():
        if layer.seed is None:
            return lambda x, training=False: _unseeded_dropout(x, float(layer.rate)) if training else x
        state = layer.seed_generator.state.value if layer.rate > 0 else None
        generators = {}

        def dropout(x, training=False):
            rate = float(layer.rate)  # read each call: a callback may change it
            if not training or rate == 0.0:
                return x
            if rate == 1.0:
                return torch.zeros_like(x)
            keep = 1.0 - rate
            first, second = state.tolist()
            with torch.no_grad():
                state[1] += 1  # SeedGenerator.next(): state + [0, 1]
            generator = generators.get(x.device) or generators.setdefault(x.device, torch.Generator(device=x.device))
            generator.manual_seed((first + second) & 0xFFFFFFFF)
            mask = torch.bernoulli(torch.full(x.shape, keep, device=x.device), generator=generator).bool()
            return torch.where(mask, x / keep, torch.zeros_like(x))

        return dropout

    return (
        bind,
        "Bernoulli mask from the layer's seed" if layer.seed is not None else "torch dropout (unseeded, as Keras's)",
    )


def _batch_normalization(layer):
    if (
        getattr(layer, "renorm", False) or layer.synchronized or layer.compute_dtype != "float32"
    ):  # older Keras has no renorm
        return None, "BatchNormalization with renorm, synchronized or not float32 runs its own call"

    def bind():
        gamma = layer.gamma.value if layer.scale else None
        beta = layer.beta.value if layer.center else None
        moving_mean, moving_variance = layer.moving_mean.value, layer.moving_variance.value

        def batch_normalization(x, training=False):
            momentum, epsilon = layer.momentum, layer.epsilon
            axis = layer.axis % x.dim()
            shape = [1] * x.dim()
            shape[axis] = x.shape[axis]
            if training and layer.trainable:  # batch moments (E[x^2] - E[x]^2, as Keras's torch moments)
                axes = [i for i in range(x.dim()) if i != axis]
                mean = torch.mean(x, dim=axes, keepdim=True)
                variance = torch.mean(torch.square(x), dim=axes, keepdim=True) - torch.square(mean)
                mean, variance = torch.squeeze(mean, axes), torch.squeeze(variance, axes)
                with torch.no_grad():
                    moving_mean.copy_(moving_mean * momentum + mean * (1.0 - momentum))
                    moving_variance.copy_(moving_variance * momentum + variance * (1.0 - momentum))
            else:
                mean, variance = moving_mean, moving_variance
            mean, variance = mean.reshape(shape), variance.reshape(shape)
            offset = beta.reshape(shape) if beta is not None else torch.zeros_like(mean)
            scale = gamma.reshape(shape) if gamma is not None else torch.ones_like(variance)
            return x.subtract(mean).mul_(variance.add(epsilon).rsqrt_().mul(scale)).add_(offset)

        return batch_normalization

    return bind, "batch moments, moving averages updated in place"


def _plain_recurrent(layer, activation_ok: bool) -> bool:
    cell = layer.cell
    return (
        activation_ok
        and cell.use_bias
        and not (
            cell.dropout
            or cell.recurrent_dropout
            or layer.stateful
            or layer.go_backwards
            or layer.return_state
            or layer.unroll
        )
    )


def _lstm(layer):
    """A plain LSTM through torch's fused kernel (Keras uses it only on CUDA)."""
    cell = layer.cell
    acts = cell.activation is keras.activations.tanh and cell.recurrent_activation is keras.activations.sigmoid
    if not _plain_recurrent(layer, acts):
        return None, "LSTM with dropout, state, another activation or unroll runs its own call"

    def bind():
        kernel, recurrent, bias = cell.kernel.value, cell.recurrent_kernel.value, cell.bias.value
        no_bias = torch.zeros_like(bias)

        def lstm(sequences):
            zeros = sequences.new_zeros((1, sequences.shape[0], cell.units))
            weights = [
                kernel.T.contiguous(),
                recurrent.T.contiguous(),
                bias,
                no_bias,
            ]  # torch's kernel is slower on transposed views
            outputs, _, _ = torch.lstm(
                sequences, (zeros, zeros), weights, True, 1, 0.0, torch.is_grad_enabled(), False, True
            )
            return outputs if layer.return_sequences else outputs[:, -1]

        return lstm

    return bind, "torch.lstm (fused kernel)"


def _gru(layer):
    """A plain GRU (reset_after, Keras's default) through ``torch.gru``; gates reordered z,r,h -> r,z,h."""
    cell = layer.cell
    acts = cell.activation is keras.activations.tanh and cell.recurrent_activation is keras.activations.sigmoid
    if not (_plain_recurrent(layer, acts) and cell.reset_after):
        return None, "GRU with dropout, state, reset_after=False, another activation or unroll runs its own call"
    units = cell.units

    def reorder(w):  # Keras keeps gates as [z, r, h]; torch as [r, z, n]
        return torch.cat([w[..., units : 2 * units], w[..., :units], w[..., 2 * units :]], dim=-1)

    def bind():
        kernel, recurrent, bias = cell.kernel.value, cell.recurrent_kernel.value, cell.bias.value

        def gru(sequences):
            weights = [
                reorder(kernel).T.contiguous(),
                reorder(recurrent).T.contiguous(),
                reorder(bias[0]),
                reorder(bias[1]),
            ]
            zeros = sequences.new_zeros((1, sequences.shape[0], units))
            outputs, _ = torch.gru(sequences, zeros, weights, True, 1, 0.0, torch.is_grad_enabled(), False, True)
            return outputs if layer.return_sequences else outputs[:, -1]

        return gru

    return bind, "torch.gru (fused kernel)"


def _simple_rnn(layer):
    cell = layer.cell
    if not _plain_recurrent(layer, cell.activation is keras.activations.tanh):
        return None, "SimpleRNN with dropout, state, another activation or unroll runs its own call"

    def bind():
        kernel, recurrent, bias = cell.kernel.value, cell.recurrent_kernel.value, cell.bias.value
        no_bias = torch.zeros_like(bias)

        def rnn(sequences):
            zeros = sequences.new_zeros((1, sequences.shape[0], cell.units))
            outputs, _ = torch.rnn_tanh(
                sequences,
                zeros,
                [kernel.T.contiguous(), recurrent.T.contiguous(), bias, no_bias],
                True,
                1,
                0.0,
                torch.is_grad_enabled(),
                False,
                True,
            )
            return outputs if layer.return_sequences else outputs[:, -1]

        return rnn

    return bind, "torch.rnn_tanh (fused kernel)"


LOWERED = {
    keras.layers.Dense: _dense,
    keras.layers.Activation: _activation_layer,
    keras.layers.Flatten: _flatten,
    keras.layers.Reshape: _reshape,
    keras.layers.Normalization: _normalization,
    keras.layers.Concatenate: _concatenate,
    keras.layers.Add: _add,
    keras.layers.Multiply: _multiply,
    keras.layers.LSTM: _lstm,
    keras.layers.GRU: _gru,
    keras.layers.SimpleRNN: _simple_rnn,
    keras.layers.Embedding: _embedding,
    keras.layers.LayerNormalization: _layer_normalization,
    keras.layers.Dropout: _dropout,
    keras.layers.BatchNormalization: _batch_normalization,
}


def keras_call_extras(layer, model) -> str | None:
    """What Keras's ``__call__`` does for ``layer`` beyond ``layer.call`` (None: nothing), which a
    lowering or a bare ``call`` would skip: such a layer runs its whole ``__call__``, as in Keras's loop.

    A class's own ``__call__`` is the caller's to check: the preprocessing layers' one (which
    only adds tf.data support) is part of what their lowerings are tested against.
    """
    if getattr(layer, "activity_regularizer", None) is not None:
        return "has an activity regularizer, whose loss Keras's __call__ adds"
    if getattr(layer, "quantization_mode", None) is not None or internals.rematerialized(layer):
        return "quantized or rematerialized"
    if model is not None and layer.dtype_policy.name != model.dtype_policy.name:
        return f"dtype policy {layer.dtype_policy.name} (the model's is {model.dtype_policy.name}), to which Keras's __call__ casts its inputs"
    return None


def lower(layer, model=None):
    """``(bind or None, why)`` for one layer of ``model``; ``bind()`` returns its torch function."""
    extras = keras_call_extras(layer, model)
    if extras is not None:
        return None, f"{extras}: Keras's __call__ runs"
    make = LOWERED.get(type(layer))
    if make is None:
        return None, f"{type(layer).__name__} has no lowering: its own call runs"
    return make(layer)
