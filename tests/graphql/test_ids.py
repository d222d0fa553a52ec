import base64

import pytest

from gateway.errors import BadUserInput
from gateway.graphql.ids import decode_global_id, encode_global_id, parse_id


def test_a_global_id_is_base64_of_type_and_database_id():
    assert encode_global_id("Order", 12) == "T3JkZXI6MTI="
    assert decode_global_id("T3JkZXI6MTI=") == ("Order", 12)


def test_an_id_argument_takes_a_global_id_of_its_type_or_an_integer():
    assert parse_id(encode_global_id("Country", 7), "Country") == 7
    assert parse_id("7", "Country") == 7
    assert parse_id("99999999999999999999", "Country") == 99999999999999999999


@pytest.mark.parametrize(
    "value",
    [
        "",
        "not base64!",
        "T3JkZXI6MTI",  # unpadded
        "VW5rbm93bjox",  # Unknown:1
        "T3JkZXI6",  # Order:
        "T3JkZXI6LTE=",  # Order:-1
        "T3JkZXI6eA==",  # Order:x
        "1" * 31,
        "//79",  # not UTF-8
    ],
)
def test_a_malformed_id_is_bad_user_input(value):
    with pytest.raises(BadUserInput, match="Invalid ID"):
        parse_id(value, "Order")


ORDER_18 = encode_global_id("Order", 18)


@pytest.mark.parametrize(
    "value",
    [
        base64.b64encode(b"Order:018").decode(),  # leading zero
        "T3JkZXI6MTl=",  # Order:19 with other padding bits (canonical: T3JkZXI6MTk=)
        ORDER_18[:4] + "\n" + ORDER_18[4:],  # a line break lenient decoders skip
        "+18",
        "018",
        "-0",
    ],
    ids=["Order:018", "padding bits", "line break", "+18", "018", "-0"],
)
def test_an_id_that_does_not_re_encode_to_itself_is_bad_user_input(value):
    with pytest.raises(BadUserInput, match="Invalid ID"):
        parse_id(value, "Order")


def test_the_canonical_spellings_are_accepted():
    assert parse_id("T3JkZXI6MTk=", "Order") == 19
    assert parse_id("19", "Order") == 19
    assert parse_id("-3", "Order") == -3  # names no order: matches nothing


def test_a_global_id_of_another_type_is_bad_user_input():
    with pytest.raises(BadUserInput, match="it names a Customer, expected Order"):
        parse_id(encode_global_id("Customer", 1), "Order")
