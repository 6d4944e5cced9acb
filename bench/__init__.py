"""Benchmarks: each module prints its figures; run one with ``.venv/bin/python -m bench.<name>``."""
