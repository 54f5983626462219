"""Corpus builders by tool family: each module's BUILDERS maps a name to a function(tmp) -> [Case]."""
