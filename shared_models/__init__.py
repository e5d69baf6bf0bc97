"""Lotline's shared domain: enums, SQLModel tables, GS1 identifiers. No Litestar, no Flet."""
