"""Peer test suites run against multikeras, unchanged (see README.md)."""
