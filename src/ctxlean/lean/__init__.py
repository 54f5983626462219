"""The prefix diet: find the optional Claude Code tools and skill descriptions a user's sessions never use,
and hide them, because every request resends them (see docs/lean.md)."""
