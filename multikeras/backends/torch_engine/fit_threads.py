"""How many threads torch gets for one fit: enough for the model's work, never more than the free cores.

torch starts one intra-op thread per core. A small model's step is a few small matrix
products; split over two threads it gains little when the machine is quiet, and when another
process is busy on the other core every step waits for the thread that lost its core: measured
here, the classifier recipe's epoch took 3x as long beside one busy process. So for the length
of a fit, evaluate or predict the engine sets

    threads = min(threads the work can use, cores free now, the process's budget)

- the work: one thread per ``FLOPS_PER_THREAD`` multiply-adds per step (forward and
  backward), at least one;
- free cores: the cores this process may run on, less those other processes keep busy: their
  CPU time on these cores (``/proc/stat``, this process's own taken out) since the last look,
  or over a fresh 50 ms when the last look is older than five seconds; looked at again every
  epoch that lasted over a second. Nothing is measured when the work wants one thread;
- the budget: ``MULTIKERAS_THREADS`` or ``OMP_NUM_THREADS`` when set (joblib and Dask
  workers set it).

``MULTIKERAS_TORCH_THREADS=N`` fixes the count; ``MULTIKERAS_TORCH_THREADS=0`` (or ``off``)
leaves torch's own setting. torch's setting is restored when the call returns.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from dataclasses import dataclass

from ...switches import is_off
from .. import keras_internals as internals
from ..thread_budget import thread_budget

__all__ = ["ENV_SWITCH", "FLOPS_PER_THREAD", "ThreadPolicy", "choose_threads", "step_flops", "thread_policy"]

ENV_SWITCH = "MULTIKERAS_TORCH_THREADS"
FLOPS_PER_THREAD = 20e6  # below this much work per step a second thread costs more than it saves


def _core_ids() -> set:
    try:
        return os.sched_getaffinity(0)
    except AttributeError:  # not on Linux
        return set(range(os.cpu_count() or 1))


def _cores() -> int:
    return len(_core_ids())


@dataclass(frozen=True)
class CpuSample:
    """CPU time, in clock ticks, spent on this process's cores by everyone and by this process."""

    when: float
    everyone: int
    own: int
    cores: frozenset = frozenset()


def _sample(cores: frozenset) -> CpuSample | None:
    """None where /proc is missing (not Linux): the machine is then taken as ours."""
    try:
        everyone = 0
        with open("/proc/stat") as handle:
            for line in handle:
                name, *fields = line.split()
                if name.startswith("cpu") and name[3:].isdigit() and int(name[3:]) in cores:
                    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
                    everyone += user + nice + system + irq + softirq + steal  # steal: the hypervisor ran another guest
        with open("/proc/self/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return CpuSample(time.monotonic(), everyone, int(fields[11]) + int(fields[12]), cores)  # utime + stime
    except (OSError, ValueError, IndexError):
        return None


class BusyMeter:
    """How many cores other processes keep busy: their CPU time over a window, in cores.

    The window runs from the previous look to this one (the previous epoch or fit, this
    process's own CPU time taken out), or, when the last look is older than ``MAX_AGE``
    seconds, a fresh ``WINDOW`` seconds. CPU time, not the count of runnable tasks: a count is a
    snapshot that flips with every thread going to sleep, and inside a virtual machine or
    container it can include tasks that run on other cores.
    """

    WINDOW = 0.05  # ten clock ticks on two cores: a busy competitor reads 1.0 +- 0.2 cores
    MAX_AGE = 5.0

    def __init__(self):
        self.last = None
        self.estimate = 0.0
        self.ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.lock = threading.Lock()

    def busy_cores(self, cores: frozenset) -> float:
        with self.lock:
            now = _sample(cores)
            if now is None:
                return 0.0
            last = self.last
            if last is None or now.when - last.when > self.MAX_AGE or last.cores != cores:
                time.sleep(self.WINDOW)
                last, now = now, _sample(cores)
                if now is None:
                    return 0.0
            elif now.when - last.when < self.WINDOW:
                return self.estimate  # too short a window to read: the previous estimate stands
            others = (now.everyone - last.everyone) - (now.own - last.own)
            self.estimate = max(0.0, others / self.ticks / (now.when - last.when))
            self.last = now
            return self.estimate


METER = BusyMeter()


def _busy_elsewhere(cores: int) -> int:
    """Whole cores other processes keep busy (a core counts from half its time), at most all but one."""
    return min(cores - 1, int(METER.busy_cores(frozenset(_core_ids())) + 0.5))


def choose_threads(flops: float, environ=None, cores=None, busy=None) -> int:
    """The thread count for a step of ``flops`` multiply-adds (see the module docstring)."""
    environ = os.environ if environ is None else environ
    cores = _cores() if cores is None else cores
    by_work = max(1, int(flops // FLOPS_PER_THREAD))
    budget = thread_budget(environ) or cores
    wanted = min(by_work, cores, budget)
    if wanted == 1:
        return 1  # nothing to ask of the machine
    busy = _busy_elsewhere(cores) if busy is None else busy
    return max(1, min(wanted, cores - busy))


def step_flops(model, batch_size: int) -> float:
    """Multiply-adds of one training step: about 3x the forward pass's 2 x batch x weights, a
    recurrent layer's weights counted once per time step."""
    import keras

    weights = sum(int(v.numel()) for v in (w.value for w in model.trainable_weights))
    for layer in internals.sublayers(model):
        if isinstance(layer, keras.layers.RNN) and layer.built:
            weights += sum(int(w.value.numel()) for w in layer.trainable_weights) * (_timesteps(layer) - 1)
    return 6.0 * batch_size * weights


def _timesteps(layer) -> int:
    try:
        steps = layer.input.shape[1]  # known for a layer of a Sequential or functional model
    except (AttributeError, ValueError, IndexError, TypeError):
        return 1
    return int(steps) if steps else 1


class ThreadPolicy:
    """Sets torch's thread count for one call; :meth:`refresh` re-reads the free cores."""

    def __init__(self, model, batch_size: int):
        import torch

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
            raise ValueError(
                f"{ENV_SWITCH} must be a whole number of threads, or 0/off to leave torch's, got {self.setting!r}."
            )
        else:
            chosen = choose_threads(self.flops)
        if chosen != self.threads:
            self.torch.set_num_threads(chosen)
            self.threads = chosen
        return chosen

    def restore(self) -> None:
        if self.threads != self.previous:
            self.torch.set_num_threads(self.previous)


@contextlib.contextmanager
def thread_policy(model, batch_size: int):
    """Inside the block torch runs with the chosen thread count; its own setting is back after."""
    policy = ThreadPolicy(model, batch_size)
    policy.refresh()
    try:
        yield policy
    finally:
        policy.restore()
