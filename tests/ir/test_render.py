"""`upel.ir.write.render_json` writes exactly what json.dumps(indent=1) wrote.

The IR's .ir.json bytes are part of its contract (checked in, diffed,
digested by tools), so the fast writer must agree byte for byte.
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from upel.ir.write import render_json


def reference(doc) -> bytes:
    return (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


_scalars = st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.text(max_size=8)
_json = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
                     max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(_json)
def test_render_matches_json_dumps(doc):
    assert render_json(doc) == reference(doc)


def test_unusual_values_fall_back_to_json_dumps():
    for doc in [{"a": 1.5}, {1: 2}, {"t": (1, 2)}, [float("inf")], {"deep": [[[[]]]]}, "\u2028\"\\\x00é"]:
        assert render_json(doc) == reference(doc)
