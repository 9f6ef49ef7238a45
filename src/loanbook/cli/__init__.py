"""Command-line interface (Typer + Rich). Depends on the core; the core never on it."""
