"""DRF's rate syntax, read as DRF reads it."""

from __future__ import annotations

import pytest

from gateway.throttling.rates import Rate, parse_rate


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("600/minute", Rate(600, 60)),
        ("600/min", Rate(600, 60)),
        ("600/m", Rate(600, 60)),
        ("10000/day", Rate(10000, 86400)),
        ("5/s", Rate(5, 1)),
        ("5/second", Rate(5, 1)),
        ("100/hour", Rate(100, 3600)),
        (" 7/hours ", Rate(7, 3600)),
    ],
)
def test_rates_drf_accepts(text: str, rate: Rate) -> None:
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["", "600", "600/", "600/fortnight", "x/minute", "-1/m", "6 00/m"])
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a rate"):
        parse_rate(text)


def test_a_rate_of_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="would refuse every request"):
        parse_rate("0/minute")


def test_a_rate_reads_back() -> None:
    assert str(parse_rate("600/min")) == "600/minute"
