"""Live video over WebRTC: WHEP endpoint, per-stream relay with a GOP cache, ICE address restriction."""
