"""Lotline's handheld app (Flet): scanner pipeline, offline flows, view-models."""
