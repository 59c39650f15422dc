"""FFmpeg and FFprobe child processes: short tool runs now, supervised long-running processes later."""
