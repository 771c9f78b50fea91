"""Data versioning: content hashing, the stat cache, the object cache and data remotes.

Nothing in this package talks to git; the git-integrated layer (manifests on refs, pointer
files, CLI commands) builds on it.
"""
