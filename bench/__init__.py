"""Benchmarks: each reports a ratio against a baseline measured in the same run.

``make bench`` runs them all, ``make bench NAME=import`` one; ``SCALE=small`` for a quick run.
Every benchmark prints a table, writes JSON to bench/results/ and ends with a line
``BENCH <id> ratio=<x> target=<op><y> <PASS|FAIL> key=value …``.
"""
