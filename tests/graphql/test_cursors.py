"""`gateway/graphql/cursors.py`: signed, typed, bound to the ordering."""

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from gateway.errors import BadUserInput
from gateway.graphql.cursors import decode_cursor, encode_cursor, ordering_signature
from gateway.orders import OrderField, OrderingKey
from gateway.orders.ordering import complete_ordering

KEY = b"k" * 32
SIGNATURE = "-created_at,-id"
VALUES = (
    datetime(2024, 3, 1, 12, 0, 0, 5, tzinfo=UTC),
    Decimal("12.50"),
    None,
    "Türkiye",
    2**63 - 1,
)


def test_decoding_restores_the_exact_values_and_types():
    cursor = encode_cursor(KEY, SIGNATURE, VALUES)

    decoded = decode_cursor(KEY, SIGNATURE, cursor)

    assert decoded == VALUES
    assert [type(v) for v in decoded] == [datetime, Decimal, type(None), str, int]
    assert str(decoded[1]) == "12.50"
    assert decoded[0].tzinfo is not None


def test_a_cursor_is_urlsafe_text_without_padding():
    cursor = encode_cursor(KEY, SIGNATURE, VALUES)
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_the_signature_spells_the_completed_ordering():
    ordering = complete_ordering([OrderingKey(OrderField.BILLING_CITY_NAME)])
    assert ordering_signature(ordering) == "billing_city__name,-id"


def _reencoded(cursor: str, change) -> str:
    raw = bytearray(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    change(raw)
    return base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda c: c[:-2], id="truncated"),
        pytest.param(lambda c: c + "A", id="extended"),
        pytest.param(lambda c: "!" + c[1:], id="not base64"),
        pytest.param(lambda c: "", id="empty"),
        pytest.param(lambda c: "é" * 10, id="not ascii"),
        pytest.param(lambda c: "A" * 3000, id="huge"),
        pytest.param(
            lambda c: _reencoded(c, lambda raw: raw.__setitem__(-3, raw[-3] ^ 1)), id="edited"
        ),
        pytest.param(lambda c: _reencoded(c, lambda raw: raw.__setitem__(0, raw[0] ^ 1)), id="mac"),
        pytest.param(lambda c: encode_cursor(b"another key", SIGNATURE, VALUES), id="other key"),
        pytest.param(lambda c: encode_cursor(KEY, "id", VALUES), id="other ordering"),
    ],
)
def test_a_cursor_this_server_did_not_issue_for_this_ordering_is_refused(forge):
    cursor = encode_cursor(KEY, SIGNATURE, VALUES)

    with pytest.raises(BadUserInput, match="Invalid cursor"):
        decode_cursor(KEY, SIGNATURE, forge(cursor))


def test_a_signed_payload_with_unknown_values_is_refused():
    """Even a correctly signed payload must hold tagged values (defence in depth)."""
    payload = b'["-created_at,-id",[["x",1]]]'
    mac = hmac.new(KEY, payload, hashlib.sha256).digest()[:16]
    cursor = base64.urlsafe_b64encode(mac + payload).rstrip(b"=").decode()

    with pytest.raises(BadUserInput, match="Invalid cursor"):
        decode_cursor(KEY, SIGNATURE, cursor)
