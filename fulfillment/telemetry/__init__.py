"""Measuring: the Measure of each request, its one JSON log line, trace and caller fields, the
outcome words and this instance's recent latencies."""
