"""Syntax stage: lark's LALR tables for `upel.lark`, computed ahead of time.

Building the parser from the grammar (lark's LALR analysis) cost every
`upel` command about half a second. The tables are computed once, at
development time, into `tables.json` beside this module:

    .venv/bin/python -m upel.syntax.tables      # after any change to upel.lark

and every command loads them (lark's own `Lark._load_from_dict`, the format
behind `Lark.save`) instead. The file records the SHA-256 of the grammar it
was made from; if `upel.lark` has changed since, `load` returns None and the
parser is built from the grammar as before (slower, never wrong), and
tests/syntax/test_tables.py fails until the file is regenerated.

The file is plain JSON read from the package itself: no cache directory,
nothing in $HOME or /tmp, same bytes in gives the same parser. lark numbers
states and terminals in an order that changes from run to run, so they are
renumbered canonically (`_canonical_table`): same grammar and lark, same
bytes. JSON has no tuples and no integer keys, which lark's data has; they
are written as {"(": [...]} and {"#": [[key, value], ...]}.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

import lark

HERE = Path(__file__).resolve().parent
GRAMMAR_PATH = HERE / "upel.lark"
TABLES_PATH = HERE / "tables.json"
UPDATE_COMMAND = ".venv/bin/python -m upel.syntax.tables"


def grammar_sha256() -> str:
    return hashlib.sha256(GRAMMAR_PATH.read_bytes()).hexdigest()


def _encode(v):
    if isinstance(v, dict):
        if all(isinstance(k, str) for k in v):
            if "#" in v or "(" in v:
                raise ValueError("lark data uses a key this encoding reserves")
            return {k: _encode(x) for k, x in v.items()}
        if all(type(k) is int for k in v):
            return {"#": [[k, _encode(x)] for k, x in v.items()]}
        raise ValueError(f"unexpected map keys in lark data: {sorted({type(k).__name__ for k in v})}")
    if isinstance(v, tuple):
        return {"(": [_encode(x) for x in v]}
    if isinstance(v, list):
        return [_encode(x) for x in v]
    if v is None or isinstance(v, (str, int, bool)):
        return v
    raise ValueError(f"unexpected value in lark data: {type(v).__name__}")


def _decode_object(obj: dict):
    if len(obj) == 1:
        if "#" in obj:
            return {k: v for k, v in obj["#"]}
        if "(" in obj:
            return tuple(obj["("])
    return obj


def _canonical_table(table: dict) -> dict:
    """lark's serialised parse table with its numbering made canonical.

    lark numbers states and terminals in the order of sets of objects hashed
    by identity, so two builds of the same grammar differ in numbering only.
    Here terminals are numbered by name and states in breadth-first order
    from the start state, following each state's actions by symbol name.
    """
    names = table["tokens"]
    order = sorted(names.values())
    new_tok = {name: i for i, name in enumerate(order)}
    states = table["states"]

    def by_name(row):
        return sorted(row.items(), key=lambda kv: names[kv[0]])

    start = table["start_states"]
    numbering: dict[int, int] = {}
    queue = [start[k] for k in sorted(start)] + [table["end_states"][k] for k in sorted(table["end_states"])]
    i = 0
    while i < len(queue):
        s = queue[i]
        i += 1
        if s in numbering:
            continue
        numbering[s] = len(numbering)
        queue.extend(arg for _, (action, arg) in by_name(states[s]) if action == 0)
    if len(numbering) != len(states):
        raise ValueError("lark's parse table has states the start state does not reach")
    new_states = {}
    for old in sorted(states, key=numbering.__getitem__):
        new_states[numbering[old]] = {
            new_tok[names[t]]: (action, numbering[arg] if action == 0 else arg) for t, (action, arg) in by_name(states[old])}
    return {"tokens": {i: name for i, name in enumerate(order)}, "states": new_states,
            "start_states": {k: numbering[v] for k, v in sorted(start.items())},
            "end_states": {k: numbering[v] for k, v in sorted(table["end_states"].items())}}


def render(parser: lark.Lark) -> str:
    """The tables file's text for `parser` (built from upel.lark)."""
    from lark.grammar import Rule
    from lark.lark import _LOAD_ALLOWED_OPTIONS
    from lark.lexer import TerminalDef

    data, memo = parser.memo_serialize([TerminalDef, Rule])
    # As Lark.save does for its cache: options given again at load time
    # (the post-lexer, an object) are not data.
    if set(data["parser"]["parser"]) != {"tokens", "states", "start_states", "end_states"}:
        raise ValueError("lark's serialised parse table has changed shape; see upel/syntax/tables.py")
    data["parser"]["parser"] = _canonical_table(data["parser"]["parser"])
    data["options"] = {n: v for n, v in data["options"].items() if n not in _LOAD_ALLOWED_OPTIONS}
    doc = {"grammar_sha256": grammar_sha256(), "lark_version": lark.__version__,
           "regenerate": UPDATE_COMMAND, "data": _encode(data), "memo": _encode(memo)}
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=True) + "\n"


def load() -> tuple[dict, dict] | None:
    """(data, memo) for `Lark._load_from_dict`, or None when the file is
    missing or was made from another grammar or another lark."""
    try:
        doc = json.loads(TABLES_PATH.read_text(encoding="utf-8"), object_hook=_decode_object)
    except (OSError, ValueError):
        return None
    if doc.get("grammar_sha256") != grammar_sha256() or doc.get("lark_version") != lark.__version__:
        return None
    return doc["data"], doc["memo"]


def main() -> int:
    from upel.syntax.parser import build_from_grammar

    text = render(build_from_grammar(False))
    if "--print" in sys.argv[1:]:
        sys.stdout.write(text)
        return 0
    old = TABLES_PATH.read_text(encoding="utf-8") if TABLES_PATH.exists() else None
    if old == text:
        print(f"{TABLES_PATH.name}: up to date")
        return 0
    tmp = TABLES_PATH.with_suffix(".json.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, TABLES_PATH)
    print(f"{TABLES_PATH.name}: written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
