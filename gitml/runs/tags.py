"""Run tags with a meaning to gitml itself."""

MODEL_TAG = "gitml.model"
"""What ``gitml.log_model`` leaves on a run (JSON) and ``git ml model register`` reads."""
