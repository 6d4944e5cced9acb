"""Evaluation pages (filled below)."""
