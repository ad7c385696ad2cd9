"""RFC 8785 (JCS): the RFC's own examples, number serialization, rejection of non-JSON values."""

from __future__ import annotations

import json

import pytest

from upel.trust import jcs


def test_rfc8785_section_3_2_3_sorting_example():
    # The RFC's example: keys sorted by UTF-16 code units, not code points, so
    # U+1F600 (surrogates D83D DE00) sorts before U+FB33 (D83D < FB33).
    doc = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    keys = list(json.loads(jcs.canonicalize(doc)))
    assert keys == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]
    # The property values in that order are the RFC's expected output.
    assert [doc[k] for k in keys] == [
        "Carriage Return", "One", "Control", "Latin Small Letter O With Diaeresis", "Euro Sign",
        "Emoji: Grinning Face", "Hebrew Letter Dalet With Dagesh",
    ]


def test_utf16_order_differs_from_code_point_order():
    # By code points U+FB33 < U+1F600; by UTF-16 code units 0xD83D < 0xFB33.
    out = jcs.canonicalize({"\ufb33": 1, "\U0001f600": 2, "\u0643": 3})
    assert out == '{"\u0643":3,"\U0001f600":2,"\ufb33":1}'.encode()


def test_rfc8785_section_3_2_2_string_escaping_example():
    # RFC 8785 3.2.2.2: "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/"
    s = json.loads('"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/"')
    assert jcs.canonicalize(s) == '"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"'.encode()


def test_rfc8785_section_3_2_4_example():
    text = ('{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
            ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
            ' "literals": [null, true, false]}')
    want = ('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
            '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}')
    assert jcs.canonicalize(json.loads(text)) == want.encode()


def test_controls_and_specials():
    assert jcs.string("\b\t\n\f\r\x00\x1f\x7f") == '"\\b\\t\\n\\f\\r\\u0000\\u001f\x7f"'
    assert jcs.string("/") == '"/"'  # never escaped


@pytest.mark.parametrize(("value", "text"), [
    (0, "0"), (-0, "0"), (1, "1"), (-1, "-1"), (1000000, "1000000"),
    (2**53, "9007199254740992"), (-(2**53), "-9007199254740992"),
    # Beyond 2^53 an integer is the nearest double, printed as ECMAScript would.
    (18446744073709551615, "18446744073709552000"), (-9223372036854775808, "-9223372036854776000"),
    (10**21, "1e+21"), (10**20, "100000000000000000000"),
])
def test_integer_serialization(value, text):
    assert jcs.canonicalize(value) == text.encode()


@pytest.mark.parametrize(("value", "text"), [
    (0.0, "0"), (-0.0, "0"), (4.5, "4.5"), (0.002, "0.002"), (1e-7, "1e-7"), (1e-6, "0.000001"),
    (1e21, "1e+21"), (1e20, "100000000000000000000"), (123.0, "123"), (1.5e300, "1.5e+300"),
    (333333333.33333329, "333333333.3333333"), (5e-324, "5e-324"), (-1.25e-10, "-1.25e-10"),
    (1.7976931348623157e308, "1.7976931348623157e+308"), (0.1, "0.1"),
])
def test_float_serialization_matches_ecmascript(value, text):
    assert jcs.number(value) == text


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), {1: "x"}, {"a": object()}, "\ud800", 10**400])
def test_values_without_a_canonical_form_are_rejected(bad):
    with pytest.raises(jcs.JCSError):
        jcs.canonicalize(bad)


def test_nesting_booleans_and_digest():
    doc = {"b": [True, False, None, {"z": 1, "a": []}], "a": "x"}
    assert jcs.canonicalize(doc) == b'{"a":"x","b":[true,false,null,{"a":[],"z":1}]}'
    assert jcs.digest(doc) == jcs.digest(json.loads(json.dumps(doc, indent=3)))
    assert jcs.digest(doc).startswith("sha256:") and len(jcs.digest(doc)) == 71
