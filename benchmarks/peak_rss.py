"""This process's own peak memory, in MB.

On Linux ``getrusage(RUSAGE_SELF).ru_maxrss`` keeps the parent's high-water mark across fork
and exec: a child of a 3 GB process reports 3 GB however little it uses. ``VmHWM`` in
``/proc/self/status`` is the process's own; elsewhere ``ru_maxrss`` is all there is.
"""

from __future__ import annotations

import resource
import sys
from pathlib import Path

__all__ = ["own_peak_mb"]


def own_peak_mb() -> float:
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB elsewhere
