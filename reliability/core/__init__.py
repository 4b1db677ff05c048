"""The math: pure functions over small typed values and numpy arrays. No I/O, no clock."""
