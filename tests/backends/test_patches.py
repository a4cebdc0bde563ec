"""Every change to another library's objects, the environment or Python's hooks is in the one list.

The package's syntax trees are read for writes that reach beyond multikeras's own objects:
attributes set or deleted on anything but ``self``, ``setattr``/``delattr``, environment
variables, ``sys.meta_path``, signal handlers, trace functions and torch's thread count. Each
must be a site of a record in :data:`multikeras.backends.patches.PATCHES`, or be listed below
as not a patch, with why. A record whose site is gone fails too, and so does a stale
docs/patches.md. At run time, Keras's modules and classes after a fit, evaluate and predict
are compared with and without multikeras: what differs must be a registered process-wide patch.
"""

import ast
from pathlib import Path

import pytest

import multikeras
from multikeras.backends import patches

PACKAGE = Path(multikeras.__file__).parent
PAGE = Path(__file__).resolve().parents[2] / "docs" / "patches.md"
CALLS = {
    "sys.meta_path.insert",
    "sys.meta_path.remove",
    "sys.meta_path.append",
    "signal.signal",
    "sys.settrace",
    "sys.setprofile",
    "np.random.seed",
    "numpy.random.seed",
    "torch.manual_seed",
    "random.seed",
    "tf.random.set_seed",
    "keras.utils.set_random_seed",
}
ENVIRON_METHODS = {"setdefault", "pop", "update", "clear", "__setitem__"}

# Writes that are not patches: our own objects, or Keras's and scikit-learn's own protocols used as documented.
NOT_PATCHES = {
    "backends/torch_engine/__init__.py: _local.off": "our own thread-local switch",
    "backends/torch_engine/loop.py: engine.forward.structure": "our own engine object",
    "backends/torch_engine/loop.py: model.stop_training": "Keras's loop resets the flag the same way at the start of fit",
    "backends/torch_engine/loop.py: model.stop_evaluating": "Keras's loop resets the flag the same way at the start of evaluate",
    "backends/torch_engine/loop.py: model.stop_predicting": "Keras's loop resets the flag the same way at the start of predict",
    "backends/torch_engine/update.py: param.grad": "torch's documented way to clear gradients (Module.zero_grad sets None)",
    "callbacks/lr_finder.py: optimizer.learning_rate": "Keras's public setter, as LearningRateScheduler uses it",
    "callbacks/lr_finder.py: self.model.stop_training": "how a Keras callback stops training (EarlyStopping does the same)",
    "app/cli.py: sub.required": "our own argparse parser",
    "app/cli.py: args.out": "our own parsed arguments",
    "app/cli.py: progress.done": "our own progress record",
    "interrupts.py: timer.daemon": "our own timer thread",
    "seeding.py: keras.utils.set_random_seed": "multikeras.set_seed's documented job, done by Keras's own function when the user asks",
    "sklearn/wrapper.py: tags.non_deterministic": "scikit-learn's tags object, which __sklearn_tags__ fills in",
    "sklearn/wrapper.py: tags.input_tags.sparse": "scikit-learn's tags object, which __sklearn_tags__ fills in",
    "sklearn/classifier.py: tags.classifier_tags.multi_class": "scikit-learn's tags object, which __sklearn_tags__ fills in",
    "sklearn/classifier.py: tags.classifier_tags.multi_label": "scikit-learn's tags object, which __sklearn_tags__ fills in",
    "sklearn/classifier.py: tags.target_tags.multi_output": "scikit-learn's tags object, which __sklearn_tags__ fills in",
    "sklearn/regressor.py: tags.target_tags.multi_output": "scikit-learn's tags object, which __sklearn_tags__ fills in",
    "sklearn/ensemble.py: tags.estimator_type": "scikit-learn's tags object, which __sklearn_tags__ fills in",
    "sklearn/ensemble.py: tags.classifier_tags": "scikit-learn's tags object, which __sklearn_tags__ fills in",
    "sklearn/ensemble.py: tags.regressor_tags": "scikit-learn's tags object, which __sklearn_tags__ fills in",
    "sklearn/ensemble.py: tags.target_tags": "scikit-learn's tags object, which __sklearn_tags__ fills in",
    "sklearn/ensemble.py: tags.non_deterministic": "scikit-learn's tags object, which __sklearn_tags__ fills in",
    "sklearn/wrapper.py: setattr(self)": "the estimator's own fitted attributes",
    "sklearn/keras_args.py: setattr(configured)": "a deep copy of the user's callback, configured with the parameters routed to it",
    "tuning.py: tuner.oracle.max_trials": "KerasTuner's public attribute on the tuner we made (Hyperband takes no max_trials argument)",
}


def _is_environ(node) -> bool:
    return ast.unparse(node) in ("environ", "os.environ")


def _writes(tree):
    """``expression`` for each write beyond multikeras's own objects in one module's tree."""
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, (ast.Assign, ast.Delete)):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in [t for top in targets for t in (top.elts if isinstance(top, ast.Tuple) else [top])]:
            if isinstance(target, ast.Attribute) and not (
                isinstance(target.value, ast.Name) and target.value.id in ("self", "cls")
            ):
                yield ast.unparse(target)
            elif isinstance(target, ast.Subscript) and _is_environ(target.value):
                yield ast.unparse(target)
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in ("setattr", "delattr") and node.args:
                yield f"{func.id}({ast.unparse(node.args[0])})"
            elif isinstance(func, ast.Attribute):
                name = ast.unparse(func)
                if name in CALLS or func.attr == "set_num_threads":
                    yield name
                elif func.attr in ENVIRON_METHODS and _is_environ(func.value):
                    yield name


def _sites_in_code(package=PACKAGE) -> set:
    found = set()
    for path in sorted(package.rglob("*.py")):
        module = path.relative_to(package).as_posix()
        found.update(f"{module}: {expression}" for expression in _writes(ast.parse(path.read_text())))
    return found


def test_every_write_to_another_library_is_a_registered_patch_or_listed_as_none():
    registered = {site for patch in patches.PATCHES for site in patch.sites}
    unregistered = _sites_in_code() - registered - set(NOT_PATCHES)
    assert not unregistered, (
        f"register these in multikeras/backends/patches.py (or list them in NOT_PATCHES with why): {sorted(unregistered)}"
    )


def test_every_registered_site_is_still_in_the_code():
    code = _sites_in_code()
    gone = {site for patch in patches.PATCHES for site in patch.sites} - code
    stale = set(NOT_PATCHES) - code
    assert not gone and not stale, f"no longer in the code: {sorted(gone | stale)}"


def test_the_scan_finds_a_new_patch(tmp_path):
    (tmp_path / "sneaky.py").write_text(
        "import keras, os, torch\nkeras.layers.Dense.call = lambda self, x: x\nos.environ['X'] = '1'\n"
        "setattr(keras.Model, 'fit', None)\ntorch.set_num_threads(1)\nself.ok = 1\n"
    )
    assert _sites_in_code(tmp_path) == {
        "sneaky.py: keras.layers.Dense.call", "sneaky.py: os.environ['X']", "sneaky.py: setattr(keras.Model)", "sneaky.py: torch.set_num_threads",
    }  # fmt: skip


def test_multikeras_patches_prints_every_record_and_the_page_is_current():
    text = multikeras.patches()
    assert all(patch.name in text and patch.switch in text for patch in patches.PATCHES)
    assert {patch.scope for patch in patches.PATCHES} <= {"process", "call", "object"}
    if not PAGE.exists():
        pytest.skip("docs/patches.md is not beside this copy of the tests")
    assert PAGE.read_text() == patches.render(), (
        "docs/patches.md is stale: run python -m multikeras.backends.patches --write docs/patches.md"
    )


SNAPSHOT = r"""
import json, sys
if sys.argv[1] == "with":
    import multikeras  # noqa: F401
import keras, numpy as np

model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dropout(0.1), keras.layers.Dense(1)])
model.compile("adam", "mse", metrics=["mae"])
x, y = np.ones((16, 3), "float32"), np.ones(16, "float32")
model.fit(x, y, epochs=1, verbose=0, validation_split=0.25)
model.evaluate(x, y, verbose=0)
model.predict(x, verbose=0)

import types

def fingerprint(value):
    # Only plain types are looked into: an attribute lookup on a lazy module would import it.
    if isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    elif isinstance(value, property):
        value = value.fget
    if isinstance(value, types.FunctionType):
        return value.__code__.co_filename.rsplit("site-packages", 1)[-1] + ":" + value.__code__.co_name
    return type(value).__module__ + "." + type(value).__qualname__

found, objects, modules = {}, {}, {}
for name, module in list(sys.modules.items()):
    if name.split(".")[0] != "keras":
        continue
    for attribute, value in list(vars(module).items()):
        if isinstance(value, type) and value.__module__ == name:
            found.update({f"{name}.{attribute}.{key}": fingerprint(member) for key, member in vars(value).items()})
            modules.update({f"{name}.{attribute}.{key}": name for key in vars(value)})
        elif not attribute.startswith("__"):
            found[f"{name}.{attribute}"] = fingerprint(value)
            modules[f"{name}.{attribute}"] = name
            objects.setdefault(id(value), []).append(f"{name}.{attribute}")
# One object imported under several names (Keras's lazy TensorFlow handle is `tf` in 30 modules) is one change.
aliases = {key: sorted(keys)[0] for keys in objects.values() for key in keys}
print(json.dumps({"found": found, "aliases": aliases, "modules": modules}))
"""


def test_what_a_fit_changes_in_keras_at_run_time_is_registered(backend):
    """Keras's modules and classes after a fit, evaluate and predict, with and without multikeras:
    every attribute that differs, or that multikeras added to a module loaded either way, must be
    a registered process-wide patch's target."""
    import json
    import os
    import subprocess
    import sys

    def snapshot(mode):
        env = {**os.environ, "MULTIKERAS_ONLY_BACKEND": backend}
        done = subprocess.run(
            [sys.executable, "-c", SNAPSHOT, mode], env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    without, with_multikeras = snapshot("without"), snapshot("with")
    aliases = with_multikeras["aliases"]
    before, after = without["found"], with_multikeras["found"]
    changed = {aliases.get(key, key) for key in before.keys() & after.keys() if before[key] != after[key]}
    loaded_without = set(without["modules"].values())  # a module only multikeras loads adds names, not changes
    changed |= {
        aliases.get(key, key)
        for key in after.keys() - before.keys()
        if with_multikeras["modules"][key] in loaded_without
    }
    registered = {
        aliases.get(target, target) for patch in patches.PATCHES if patch.scope == "process" for target in patch.runtime
    }
    assert changed <= registered, (
        f"changed in Keras but not registered as a process-wide patch: {sorted(changed - registered)}"
    )
    if backend == "torch":
        assert {"keras.src.backend.torch.trainer.TorchTrainer.fit"} <= changed  # the scan sees the one it must
