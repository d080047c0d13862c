"""Files and the workspace: reading what teams bring (tables, parsing, mapping, importer),
the GeoPackage itself (storage), changes with undo (editing) and rows set aside for dates no
analysis can use (quality)."""

__all__ = ["editing", "importer", "mapping", "parsing", "quality", "storage", "tables"]
