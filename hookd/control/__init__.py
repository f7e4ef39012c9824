"""Control: the daemon answering questions about itself (status), beside the event pipeline."""
