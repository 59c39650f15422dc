"""Qt-free console state and services: demo setup, settings, layouts."""
