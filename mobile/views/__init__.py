"""Thin Flet views: each builds controls from its view-model's state and passes events back; no decisions here."""
