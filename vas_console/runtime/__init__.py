"""Qt-free runtime plumbing: the worker thread and its asyncio loop."""
