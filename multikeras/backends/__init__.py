"""Backend-specific code, each module imported only inside a branch on the active backend."""
