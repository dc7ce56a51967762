"""Loopback fakes of the outside world (chat platforms' APIs) for tests and benchmarks."""
