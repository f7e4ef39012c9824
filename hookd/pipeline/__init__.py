"""The daemon's one path for an event, whichever way it came in: validate, envelope, spool, reply."""

from hookd.pipeline.pipeline import Pipeline

__all__ = ["Pipeline"]
