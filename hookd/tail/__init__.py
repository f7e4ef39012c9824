"""`hookd tail`: a live, filtered, one-line-per-event view of the stream."""
