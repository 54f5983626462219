"""Plain records for the hook path: a class with __slots__ and an __init__, compared and shown by field.

`dataclasses` imports `inspect` (and with it `ast` and `dis`): 20-40 ms on every hook call that offloads.
"""

from __future__ import annotations


class Value:
    """Equal when of the same class with equal fields; shown with its fields. Immutable by convention."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and all(getattr(self, n) == getattr(other, n) for n in self.__slots__)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, n) for n in self.__slots__ if not isinstance(getattr(self, n), dict)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in self.__slots__) + ")"
