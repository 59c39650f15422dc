"""Qt-free media plumbing: frame hand-off between threads, the WebRTC client, the libVLC wrapper."""
