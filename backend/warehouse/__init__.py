"""Warehouse events and the stock they derive."""
