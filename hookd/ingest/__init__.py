"""Ingest: how events reach the daemon (the Unix socket protocol, and later the inbox)."""
