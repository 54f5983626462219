"""A store that keeps nothing: the handle and sizes a real store would give, so a replay runs the offload
path unchanged and writes nothing anywhere (`ctxlean estimate` only reads)."""

from __future__ import annotations

import hashlib
from typing import BinaryIO

from ctxlean.store import PayloadInfo, handle_for

_READ_BYTES = 1 << 20


class DryStore:
    def scope(self, project_dir: str) -> str:
        """The directory itself, as the local store scopes it (offload asks every store)."""
        return project_dir

    def put(self, payload: bytes | BinaryIO, *, project: str, tool: str, kind: str, description: str,
            session_id: str | None = None, index_text: str | None = None, index_filter=None) -> PayloadInfo:
        digest = hashlib.sha256()
        size = lines = 0
        last = b""
        pieces = [payload] if isinstance(payload, bytes) else iter(lambda: payload.read(_READ_BYTES), b"")
        for piece in pieces:
            digest.update(piece)
            size += len(piece)
            lines += piece.count(b"\n")
            last = piece or last
        if size and not last.endswith(b"\n"):  # a last line without newline counts, as in the SQLite store
            lines += 1
        return PayloadInfo(handle_for(digest.hexdigest()), project, tool, kind, description, size, lines, 0.0)

    def record_offload(self, **row) -> None:
        pass

    def close(self) -> None:
        pass
