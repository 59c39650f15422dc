"""VAS Console: the desktop operator console for video surveillance."""

__version__ = "0.1.0"
