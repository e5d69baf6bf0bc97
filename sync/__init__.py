"""Lotline's offline sync layer (PowerSync-compatible protocol, both ends); see ../shared ARCHITECTURE §4."""
