"""Enrichment: what the daemon adds to each envelope about the event (operation, risk, timing, sizes).

All of it is computed in the daemon from the redacted payload, from tables in
this package, without touching the filesystem or running anything.
"""

from __future__ import annotations

from hookd.enrich.enricher import NO_ENRICHMENT, Enricher, Enrichment
from hookd.hook_names import normalise_hook
from hookd.enrich.payload import PayloadFields, fields_from_dict, read_fields

__all__ = [
    "NO_ENRICHMENT",
    "Enricher",
    "Enrichment",
    "PayloadFields",
    "fields_from_dict",
    "normalise_hook",
    "read_fields",
]
