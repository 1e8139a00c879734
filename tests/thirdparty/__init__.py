"""Authorization servers the project did not write, run in the tests (fixtures.py)."""
