"""Leaf helpers with no knowledge of the application."""
