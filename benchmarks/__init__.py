"""jiance benchmarks: ``make bench`` (``python -m benchmarks [name ...]``) runs every ``bench_*.py``'s ``main()``.

Benchmarks print throughput, memory and a ratio against a peer measured in the same run; they never fail
a test on speed. Shared measuring and reporting lives in :mod:`benchmarks.harness`.
"""
