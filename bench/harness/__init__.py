"""The benchmark harness behind `bench/run.py` (run by hand; see bench/README.md)."""
