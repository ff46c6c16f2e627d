"""The performance budget measured: `python -m bench` (see bench/run.py)."""
