"""Camera registry: URLs, credentials, probing, import and export."""
