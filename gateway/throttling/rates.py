"""Rates in Django REST framework's syntax: `<number>/<period>`, as `DEFAULT_THROTTLE_RATES`
takes them (`600/minute`, `10000/day`, `5/s`).

DRF reads the period's first letter only (`s`, `m`, `h`, `d`: `min`, `minute`, `minutes`
alike); so does this parser, so that a rate copied from the original backend's settings
means the same here. A number of 0, or anything else, is refused with a message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
PERIOD_NAMES = {1: "second", 60: "minute", 3600: "hour", 86400: "day"}
_RATE = re.compile(r"(?P<amount>[0-9]+)/(?P<period>[smhd][a-z]*)")


@dataclass(frozen=True, slots=True)
class Rate:
    """`amount` units per `seconds`."""

    amount: int
    seconds: int

    def __str__(self) -> str:
        return f"{self.amount}/{PERIOD_NAMES[self.seconds]}"


def parse_rate(text: str) -> Rate:
    """The rate `text` states; `ValueError` with the reason otherwise."""
    match = _RATE.fullmatch(text.strip())
    if match is None:
        raise ValueError(
            f"not a rate: {text!r} (expected <number>/<period>, the period one of "
            "second, minute, hour, day, e.g. 600/minute)"
        )
    amount = int(match["amount"])
    if amount < 1:
        raise ValueError(f"a rate of {amount} would refuse every request: {text!r}")
    return Rate(amount, PERIODS[match["period"][0]])
