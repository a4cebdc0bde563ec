"""``python -m peer [pytest args]``: scikeras's own test suite against multikeras.sklearn.

The suite is looked for under ``MULTIKERAS_PEER_DIR`` (the folder that holds
``scikeras-0.13.0/``; ``.ci/run`` sets it). The backend is the usual one (``KERAS_BACKEND``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SUITE = "scikeras-0.13.0"


def main(argv: list[str]) -> int:
    root = os.environ.get("MULTIKERAS_PEER_DIR")
    suite = Path(root) / SUITE if root else None
    if suite is None or not (suite / "tests").is_dir():
        where = f"{suite} has no tests/" if suite else "MULTIKERAS_PEER_DIR is not set"
        print(f"scikeras's suite skipped: {where}. Set MULTIKERAS_PEER_DIR to the folder holding {SUITE}/.")
        return 0
    import pytest

    return pytest.main(["-p", "peer.scikeras_suite", "-p", "no:cacheprovider", "--rootdir", str(suite), "-q", "--disable-warnings", *argv, str(suite / "tests")])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
