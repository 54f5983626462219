"""Regular expressions compiled the first time they are used, not when their module is imported.

The summarizers hold ~150 patterns and a hook runs one summarizer: compiling all of them at import cost
every offload 15-40 ms. A LazyPattern stands in for a compiled re.Pattern: its first use compiles it and
copies the pattern's methods onto itself, so later uses are plain attribute lookups.
"""

from __future__ import annotations

import re

_COPIED = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split", "scanner", "pattern",
           "flags", "groups", "groupindex")


class LazyPattern:
    def __init__(self, pattern: str, flags: int = 0):
        self._source = (pattern, flags)

    def __getattr__(self, name: str):
        compiled = re.compile(*self._source)
        for attr in _COPIED:
            setattr(self, attr, getattr(compiled, attr))
        return getattr(compiled, name)


def lazy(pattern: str, flags: int = 0) -> re.Pattern:
    """A pattern compiled on first use (typed as the re.Pattern it behaves as)."""
    return LazyPattern(pattern, flags)  # type: ignore[return-value]
