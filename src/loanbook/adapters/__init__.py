"""Adapters: outside formats mapped onto the domain core (which never imports them)."""
