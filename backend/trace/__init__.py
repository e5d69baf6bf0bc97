"""Genealogy walks, trace answers, code resolution."""
