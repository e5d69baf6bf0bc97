"""Lotline backend: Litestar app, domain services, CLI."""
