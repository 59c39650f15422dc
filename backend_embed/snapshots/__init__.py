"""Snapshots: stills of a camera, live (the newest frame of the main stream) or recorded (at a playhead)."""
