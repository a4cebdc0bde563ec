"""The ``MULTIKERAS_*`` off-switches: one spelling of "off" for all of them."""

from __future__ import annotations

__all__ = ["OFF", "is_off"]

OFF = frozenset({"0", "false", "no", "off"})


def is_off(value) -> bool:
    """Whether an environment switch's ``value`` turns its feature off (unset means on)."""
    return value is not None and value.strip().lower() in OFF
