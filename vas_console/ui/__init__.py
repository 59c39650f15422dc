"""The console's PySide6 user interface: the only package (with vas_console.app) that imports Qt."""
