"""Ingest: how events reach the daemon (the Unix socket, the inbox hook-send falls back to, and HTTP hooks)."""
