"""Running hookd under a service manager: socket activation, sd_notify, and the unit files."""
