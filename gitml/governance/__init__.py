"""Governance: policy rules for promotions and ``git ml check`` (pre-commit, pre-push, CI)."""
