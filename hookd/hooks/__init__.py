"""`hookd hooks install|uninstall|status`: hookd's entries in Claude Code settings files."""
