import ast

import numpy as np

from peer.tutorials import offline_mnist, program

NOTEBOOK = """# A tutorial

```python
try:
    import scikeras
except ImportError:
    !python -m pip install scikeras
```

Some prose with `epochs=5`.

```python
%load_ext memory_profiler
from tensorflow import get_logger
get_logger().setLevel('ERROR')
model = dict(epochs=5)
%memit sorted([3, 1])
```
"""


def test_a_notebook_becomes_one_program_of_its_cells_with_the_listed_substitutions():
    source = program(NOTEBOOK, "Basic_Usage")
    ast.parse(source)
    assert "!python" not in source and "%" not in source and "from tensorflow" not in source
    assert "    pass  # a shell command (pip install) dropped" in source  # the except block stays valid
    assert "sorted([3, 1])  # an IPython magic, run once" in source
    assert "Some prose" not in source and "dict(epochs=5)" in source  # epochs cut only in the sparse tutorial
    assert "dict(epochs=1)" in program(NOTEBOOK, "sparse")
    namespace = {}
    exec(compile(source.replace("import scikeras", "import json"), "<tutorial>", "exec"), namespace)  # runs as Python
    assert namespace["get_logger"]().name == "tensorflow"


def test_the_offline_mnist_has_mnists_shapes_and_dtypes():
    (x_train, y_train), (x_test, y_test) = offline_mnist()
    assert x_train.shape[1:] == x_test.shape[1:] == (28, 28) and x_train.dtype == np.uint8 and x_train.max() == 255
    assert len(x_train) == len(y_train) == 1500 and len(x_test) == len(y_test) == 297
    assert set(np.unique(y_train)) == set(range(10))
