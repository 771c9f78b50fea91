"""gitml: git-native ML model management."""

__version__ = "0.1.0"
