"""Integrity of what arrives from other clones: append-only history, paths that match records."""
