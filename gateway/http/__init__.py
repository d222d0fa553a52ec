"""HTTP semantics shared by every route: caching headers and compression."""
