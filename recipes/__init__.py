"""The six recipes, one module per model, each written once for every Keras backend.

Import one directly (``from multikeras.recipes import classifier_mlp``), or by name through
:mod:`multikeras.registry`. What a recipe module defines is :class:`multikeras.registry.Recipe`;
each is registered by one line in ``pyproject.toml``'s ``multikeras.recipes`` entry points.
Recipes depend on the engine, never the other way round.
"""
