"""The package version (one place: the package, the CLI and the deck headers read it)."""
__version__ = "0.1.0"
