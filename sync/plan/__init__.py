"""The pure planner: observed targets + last agreement -> new board and writes. No I/O."""
