"""Usage and cost: transcript reader, price data, reports, the cache-miss doctor and the status line."""
