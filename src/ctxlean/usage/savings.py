"""What ctxlean's offloading saved, estimated from its ledger and the session's transcript.

An offloaded output kept `original - summary` tokens out of the context. Without ctxlean those tokens would
have been part of the prompt of every later request of the same agent until the next compaction dropped
them, and since that prefix is cached, each of those requests would have read them at the model's
cache-read price. So: saving = kept-out tokens x cache-read price, summed over the agent's requests after
the offload and before the next compaction. It is an estimate: it leaves out the one-off cache write of the
full output (so it errs low) and assumes the conversation would have gone the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from ctxlean.usage.pricing import PriceBook
from ctxlean.usage.transcripts import Transcript

HOW = (
    "estimate: tokens kept out of context x cache-read price x later requests of the same agent "
    "until the next compaction"
)


@dataclass
class Saving:
    offloads: int = 0
    kept_out_tokens: int = 0
    reread_tokens: int = 0  # kept-out tokens x later requests: what would have been re-read
    usd: float = 0.0
    unpriced: bool = False

    def add(self, other: Saving) -> None:
        self.offloads += other.offloads
        self.kept_out_tokens += other.kept_out_tokens
        self.reread_tokens += other.reread_tokens
        self.usd += other.usd
        self.unpriced |= other.unpriced

    def as_dict(self) -> dict:
        return {
            "offloads": self.offloads,
            "kept_out_tokens": self.kept_out_tokens,
            "reread_tokens_avoided": self.reread_tokens,
            "estimated_saving_usd": round(self.usd, 6),
            "complete": not self.unpriced,
            "how": HOW,
        }


def ledger_rows(session_id: str) -> list[tuple]:
    """The store's ledger rows for a session, [] when there is no store yet (reports never create a local
    one), the store setting cannot be used (the report says so), or the shared one is out of reach."""
    from ctxlean.paths import StoreLocationError, store_location
    from ctxlean.store import StoreError, open_store

    try:
        location = store_location()
    except StoreLocationError:
        return []
    if location.path is not None and not location.path.exists():
        return []
    try:
        with open_store() as store:
            return store.ledger_for_session(session_id)
    except StoreError:
        return []


def session_saving(transcripts: list[Transcript], rows: list[tuple], prices: PriceBook) -> Saving:
    """The saving of one session's ledger rows (ts, tool, handle, original, summary, agent_id)."""
    by_agent = {t.file.agent_id: t for t in transcripts}
    saving = Saving()
    for ts, _tool, _handle, original, summary, agent_id in rows:
        if original == 0:
            # A failing command's stored output (ctxlean.capture): its note added context, which the real
            # usage already counts, and kept nothing out. Not an offload.
            continue
        kept = max(0, original - summary)
        saving.offloads += 1
        saving.kept_out_tokens += kept
        t = by_agent.get(agent_id) or (by_agent.get(None) if agent_id is None else None)
        if t is None:
            continue
        segment = sum(1 for c in t.compactions if c.ts <= ts)
        for turn in t.turns:
            if turn.ts > ts and turn.segment == segment:
                saving.reread_tokens += kept
                price = prices.cache_read_price(turn.model, turn.ts)
                if price is None:
                    saving.unpriced = True
                else:
                    saving.usd += kept * price / 1_000_000
    return saving
