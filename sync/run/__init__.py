"""Running pairs: one sync under its lock, many pairs, the loop, and what a run did."""
