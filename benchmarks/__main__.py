"""`python -m benchmarks`: every benchmark in this folder, in turn; --quick for a smoke run."""

import sys

from . import compiled_step, peak_memory, search_scaling, sparse_memory, suite

if __name__ == "__main__":
    args = sys.argv[1:]
    suite.main(["--quick"] if "--quick" in args else [])
    search_scaling.main(args)
    peak_memory.main(["--quick"] if "--quick" in args else [])
    sparse_memory.main(["--quick"] if "--quick" in args else [])
    compiled_step.main(["--quick"] if "--quick" in args else [])
