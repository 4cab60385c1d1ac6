"""Reference data for hygiene matching, kept as plain Python literals so it is reviewed like code."""
