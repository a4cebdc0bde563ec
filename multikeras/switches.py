"""The ``MULTIKERAS_*`` environment switches: one spelling of "on" and "off" for all of them."""

from __future__ import annotations

__all__ = ["OFF", "ON", "is_off", "is_on"]

OFF = frozenset({"0", "false", "no", "off"})
ON = frozenset({"1", "true", "yes", "on"})


def is_off(value) -> bool:
    """Whether a switch's ``value`` turns its feature off (unset means on)."""
    return value is not None and value.strip().lower() in OFF


def is_on(value) -> bool:
    """Whether a switch's ``value`` turns an opt-in feature on (unset means off)."""
    return value is not None and value.strip().lower() in ON
