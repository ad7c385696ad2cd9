"""The precomputed LALR tables (upel/syntax/tables.json): up to date with
upel.lark, reproducible, and refused when they were made from another grammar."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import lark

from upel.syntax import parser, tables


def test_tables_file_is_up_to_date_with_the_grammar():
    expected = tables.render(parser.build_from_grammar(False))
    actual = tables.TABLES_PATH.read_text(encoding="utf-8")
    assert actual == expected, (f"{tables.TABLES_PATH.name} is stale (upel.lark or lark changed); "
                                f"regenerate it with: {tables.UPDATE_COMMAND}")


def test_tables_are_the_same_bytes_under_another_hash_seed():
    # lark numbers states by hashing objects; the file's numbering is canonical.
    code = ("import hashlib, sys; from upel.syntax import parser, tables; "
            "sys.stdout.write(hashlib.sha256(tables.render(parser.build_from_grammar(False)).encode()).hexdigest())")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
                         cwd=tables.HERE.parents[1]).stdout
    assert out == hashlib.sha256(tables.TABLES_PATH.read_bytes()).hexdigest()


def test_the_command_parser_is_loaded_from_the_tables():
    saved = tables.load()
    assert saved is not None
    p = parser._parser()
    assert p.source_path == "<deserialized>"  # lark's mark for a parser made by _load_from_dict
    built = parser.build_from_grammar(False)
    assert len(p.parser.parser.parser.parse_table.states) == len(built.parser.parser.parser.parse_table.states)
    assert sorted(t.name for t in p.terminals) == sorted(t.name for t in built.terminals)


def test_tables_of_another_grammar_are_refused(tmp_path, monkeypatch):
    grammar = tmp_path / "upel.lark"
    grammar.write_text(tables.GRAMMAR_PATH.read_text(encoding="utf-8") + "\n// changed\n", encoding="utf-8")
    monkeypatch.setattr(tables, "GRAMMAR_PATH", grammar)
    assert tables.load() is None
    monkeypatch.setattr(tables, "GRAMMAR_PATH", parser.GRAMMAR_PATH)
    monkeypatch.setattr(lark, "__version__", "0.0.0")
    assert tables.load() is None


def test_json_encoding_keeps_tuples_and_integer_keys():
    import json

    value = {"a": (1, [2, (3,)]), "b": {0: "x", 7: {"y": None}}, "c": [True, False, ""], "d": {}}
    back = json.loads(json.dumps(tables._encode(value)), object_hook=tables._decode_object)
    assert back == value
    assert type(back["a"]) is tuple and type(back["a"][1][1]) is tuple
    assert list(back["b"]) == [0, 7]
