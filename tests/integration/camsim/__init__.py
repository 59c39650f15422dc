"""Integration tests of the simulated cameras against real GStreamer, ffmpeg and ffprobe."""
