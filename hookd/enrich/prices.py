"""What tokens cost: the built-in price table, the user's additions, and a model's price.

Prices are USD per million tokens, as Anthropic publishes them (platform.claude.com,
"Pricing" and each model's overview page), taken on ``PRICES_AS_OF``. Cache writes have
two prices: the 5-minute lifetime (1.25x input) and the 1-hour one (2x input); a
transcript that does not split its cache writes is priced at the 5-minute rate.
Claude Haiku 5.5 is priced at its rate for prompts up to 100,000 tokens (a longer
prompt costs 5x); hookd does not split turns by prompt length.
"""

from __future__ import annotations

from typing import Mapping

from hookd.config import ModelPrice

PRICES_AS_OF = "2026-12-03"


def _p(inp: float, out: float, read: float, write: float, write_1h: float) -> ModelPrice:
    return ModelPrice(inp, out, read, write, write_1h)


# Keys are model id prefixes: "claude-sonnet-4-5" prices claude-sonnet-4-5-20250929 too.
DEFAULT_PRICES: dict[str, ModelPrice] = {
    "claude-fable-5-1": _p(10, 50, 0.25, 12.5, 20),
    "claude-fable-5": _p(10, 50, 1.0, 12.5, 20),
    "claude-opus-5-5": _p(4, 20, 0.20, 5, 8),
    "claude-opus-5": _p(5, 25, 0.50, 6.25, 10),
    "claude-opus-4-8": _p(5, 25, 0.50, 6.25, 10),
    "claude-opus-4-7": _p(5, 25, 0.50, 6.25, 10),
    "claude-opus-4-6": _p(5, 25, 0.50, 6.25, 10),
    "claude-opus-4-5": _p(5, 25, 0.50, 6.25, 10),
    "claude-opus-4-1": _p(15, 75, 1.50, 18.75, 30),
    "claude-opus-4": _p(15, 75, 1.50, 18.75, 30),
    "claude-sonnet-5-5": _p(2, 10, 0.10, 2.5, 4),
    "claude-sonnet-5": _p(2, 10, 0.20, 2.5, 4),
    "claude-sonnet-4-6": _p(3, 15, 0.30, 3.75, 6),
    "claude-sonnet-4-5": _p(3, 15, 0.30, 3.75, 6),
    "claude-sonnet-4": _p(3, 15, 0.30, 3.75, 6),
    "claude-3-7-sonnet": _p(3, 15, 0.30, 3.75, 6),
    "claude-haiku-5-5": _p(0.10, 0.50, 0.01, 0.125, 0.20),
    "claude-haiku-4-5": _p(1, 5, 0.10, 1.25, 2),
    "claude-3-5-haiku": _p(0.80, 4, 0.08, 1, 1.6),
    "claude-3-haiku": _p(0.25, 1.25, 0.03, 0.30, 0.50),
}

_SEPARATORS = ("-", "[", "@", ":", "_")


class PriceTable:
    """Finds a model's price by the longest key that is its id or a prefix of it ending at a separator."""

    def __init__(self, extra: Mapping[str, ModelPrice] | None = None) -> None:
        self.prices = {**DEFAULT_PRICES, **(extra or {})}
        self._found: dict[str, ModelPrice | None] = {}

    def price(self, model: str) -> ModelPrice | None:
        if model in self._found:
            return self._found[model]
        best = None
        for key in self.prices:
            if (model == key or (model.startswith(key) and model[len(key)] in _SEPARATORS)) and (
                best is None or len(key) > len(best)
            ):
                best = key
        found = self.prices[best] if best is not None else None
        if len(self._found) < 1000:
            self._found[model] = found
        return found

    def cost(
        self, model: str, input_tokens: int, output_tokens: int, cache_read: int, cache_write: int, cache_write_1h: int
    ) -> float | None:
        """USD for these tokens (``cache_write_1h`` is the part of ``cache_write`` kept an hour)."""
        price = self.price(model)
        if price is None:
            return None
        long_rate = price.cache_write_1h if price.cache_write_1h is not None else 2 * price.input
        short = max(0, cache_write - cache_write_1h)
        total = (
            input_tokens * price.input
            + output_tokens * price.output
            + cache_read * price.cache_read
            + short * price.cache_write
            + cache_write_1h * long_rate
        ) / 1e6
        return round(total, 6)
