"""View-models of the handheld: plain Python (no flet), one per screen, tested with plain pytest."""
