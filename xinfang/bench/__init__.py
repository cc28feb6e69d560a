"""Benchmarks: honest measurements written as JSON reports (`xinfang bench NAME --json FILE`)."""
