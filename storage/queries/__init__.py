"""Read-side queries shared by handlers and jobs (no channel code, no messages)."""
