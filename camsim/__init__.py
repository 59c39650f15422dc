"""Simulated RTSP cameras for tests, benchmarks and the console's demo mode (GStreamer in a subprocess).

Stdlib only outside `camsim.server*` (which run under Debian's python3 with PyGObject); start with
`camsim.launcher.SimulatedCameras`. See docs/camsim.md.
"""
