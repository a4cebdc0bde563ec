"""How many threads torch gets for one fit: enough for the model's work, never more than the free cores.

torch starts one intra-op thread per core. A small model's step is a few small matrix
products; split over two threads it gains little when the machine is quiet, and when another
process is busy on the other core every step waits for the thread that lost its core: measured
here, the classifier recipe's epoch took 3x as long beside one busy process. So for the length
of a fit, evaluate or predict the engine sets

    threads = min(threads the work can use, cores free now, the process's budget)

- the work: one thread per ``FLOPS_PER_THREAD`` multiply-adds per step (forward and
  backward), at least one;
- free cores: the cores this process may run on, less the tasks of other processes running
  right now (the kernel's count of runnable tasks, ``/proc/loadavg``, less this process's own
  threads, read a few times: the 1-minute load average would see a competitor a minute late),
  checked again every epoch that lasted over a second;
- the budget: ``MULTIKERAS_THREADS`` or ``OMP_NUM_THREADS`` when set (joblib and Dask
  workers set it).

``MULTIKERAS_TORCH_THREADS=N`` fixes the count; ``MULTIKERAS_TORCH_THREADS=0`` (or ``off``)
leaves torch's own setting. torch's setting is restored when the call returns.
"""

from __future__ import annotations

import contextlib
import os
import time

from ...switches import is_off
from ..threads import thread_budget

__all__ = ["ENV_SWITCH", "FLOPS_PER_THREAD", "ThreadPolicy", "choose_threads", "step_flops", "thread_policy"]

ENV_SWITCH = "MULTIKERAS_TORCH_THREADS"
FLOPS_PER_THREAD = 25e6  # below this much work per step a second thread costs more than it saves


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _running_here() -> int:
    """This process's threads that are running or runnable (torch's pool may still spin after a step)."""
    running = 0
    for task in os.scandir("/proc/self/task"):
        try:
            with open(os.path.join(task.path, "stat")) as handle:
                running += handle.read().rsplit(")", 1)[1].split()[0] == "R"
        except (OSError, IndexError):
            continue
    return running


def _busy_elsewhere(cores: int, reads: int = 3) -> int:
    """Runnable tasks of other processes, the median of a few reads half a millisecond apart."""
    counts = []
    for _ in range(reads):
        try:
            with open("/proc/loadavg") as handle:
                everywhere = int(handle.read().split()[3].split("/")[0])
            counts.append(everywhere - _running_here())
        except (OSError, ValueError, IndexError):  # no /proc: assume the machine is ours
            return 0
        if len(counts) < reads:
            time.sleep(0.0005)
    return min(cores - 1, max(0, sorted(counts)[len(counts) // 2]))


def choose_threads(flops: float, environ=None, cores=None, busy=None, reads: int = 3) -> int:
    """The thread count for a step of ``flops`` multiply-adds (see the module docstring)."""
    environ = os.environ if environ is None else environ
    cores = _cores() if cores is None else cores
    busy = _busy_elsewhere(cores, reads) if busy is None else busy
    by_work = max(1, int(flops // FLOPS_PER_THREAD))
    budget = thread_budget(environ) or cores
    return max(1, min(by_work, cores - busy, budget))


def step_flops(model, batch_size: int) -> float:
    """Multiply-adds of one training step: about 3x the forward pass's 2 x batch x weights."""
    weights = sum(int(v.numel()) for v in (w.value for w in model.trainable_weights))
    return 6.0 * batch_size * weights


class ThreadPolicy:
    """Sets torch's thread count for one call; :meth:`refresh` re-reads the free cores."""

    def __init__(self, model, batch_size: int, reads: int = 3):
        import torch

        self.reads = reads
        self.torch = torch
        self.setting = os.environ.get(ENV_SWITCH, "").strip()
        self.flops = step_flops(model, batch_size)
        self.previous = torch.get_num_threads()
        self.threads = self.previous

    def refresh(self) -> int:
        if is_off(self.setting):
            return self.threads
        if self.setting.isdigit() and int(self.setting) > 0:
            chosen = int(self.setting)
        elif self.setting:
            raise ValueError(f"{ENV_SWITCH} must be a whole number of threads, or 0/off to leave torch's, got {self.setting!r}.")
        else:
            chosen = choose_threads(self.flops, reads=self.reads)
        if chosen != self.threads:
            self.torch.set_num_threads(chosen)
            self.threads = chosen
        return chosen

    def restore(self) -> None:
        if self.threads != self.previous:
            self.torch.set_num_threads(self.previous)


@contextlib.contextmanager
def thread_policy(model, batch_size: int, reads: int = 3):
    """Inside the block torch runs with the chosen thread count; its own setting is back after.

    ``reads``: how many looks at the runnable count (one for evaluate and predict, which are short)."""
    policy = ThreadPolicy(model, batch_size, reads)
    policy.refresh()
    try:
        yield policy
    finally:
        policy.restore()
