"""Queries only: no commits, no business rules."""
