"""Publish: from the spool to the Redis Stream, in order, exactly once."""
