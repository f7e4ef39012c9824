"""Terminal output shared by the commands and the daemon: colour, progress bars."""
