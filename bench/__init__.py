"""`make bench`: ingest, outbox, export and admin speed, each against a floor from the same run.

Developer-facing (English). Every figure is reported next to its floor and as a ratio: the
machine is shared and noisy, so absolute numbers alone would mean little. Nothing here is
imported by the app or by `make test` (tests/test_bench.py runs it at a tiny size).
"""
