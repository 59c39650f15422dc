"""Simulated RTSP cameras for tests, benchmarks and the console's demo mode (GStreamer in a subprocess)."""
