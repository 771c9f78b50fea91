"""Records: the TOML codec, schema validation and typed values shared by every collection."""
