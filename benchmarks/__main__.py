"""`python -m benchmarks`: every benchmark in this folder, in turn.

So far: grid-search scaling (n_jobs=1 vs 2). Pass --quick for a smoke run.
"""

import sys

from . import search_scaling

if __name__ == "__main__":
    search_scaling.main(sys.argv[1:])
