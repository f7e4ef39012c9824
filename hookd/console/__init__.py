"""What every hookd command shares at the terminal: exit codes, quiet pipes, colour, progress."""
