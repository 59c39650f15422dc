"""Evidence dialogs: clip export with progress, export verification, and the installation's signing key."""
