"""`python -m benchmarks`: placeholder until the first benchmark lands."""
