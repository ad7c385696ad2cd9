"""Syntax stage: a tight lexer and LALR(1) driver over lark's own tables.

lark's `parse` spends most of its time in generic machinery: a lexer state
object per token, a keyword check by regex for every identifier, a dict
lookup keyed by a `Rule` (hashed and compared in Python) per reduction, a
callback even for the unit reductions (`?or_expr: and_expr`) that make up
three quarters of all reductions. This module runs the same automaton with
the same terminals, from the tables lark built for `upel.lark`:

- tokens come from lark's own scanner (its regexes, its priorities, its
  keyword table), with lark's `Token` objects and positions, and the
  RLBRACE rewrite of `upel.syntax.parser._RecordBracePostLex`;
- the LALR action table is lark's, re-keyed once so that a shift is an int,
  a reduction a tuple, and a unit reduction only a state change.

It handles valid input only: on any lexical or syntax error it raises
`Rejected`, and the caller re-runs lark's own `parse` on the text, which
raises the exact exception (token, expected set, position) that the
diagnostics are made from. So messages never depend on this module.
"""

from __future__ import annotations

from lark.lexer import Token, UnlessCallback
from lark.parsers.lalr_analysis import Shift


class Rejected(Exception):
    """The text has a lexical or syntax error; ask lark for the details."""


class Driver:
    """Lexer and parser for one `lark.Lark` (LALR, basic lexer) and its callbacks."""

    def __init__(self, parser, callbacks: dict, unit) -> None:
        frontend = parser.parser
        basic = frontend.lexer.lexer  # PostLexConnector -> BasicLexer
        scanner = basic.scanner  # builds the scanner (and its keyword callbacks) once
        self._mres = [(mre, mre.match) for mre in scanner._mres]
        self._ignore = basic.ignore_types
        self._newline = basic.newline_types
        self._retype = {}
        self._other_callbacks = {}
        for type_, cb in basic.callback.items():
            if isinstance(cb, UnlessCallback):
                self._retype[type_] = (cb, {})
            else:
                self._other_callbacks[type_] = cb
        table = frontend.parser.parser.parse_table
        self._start = table.start_states["start"]
        self._end = table.end_states["start"]
        # Re-key the table: shift -> next state (int); reduce -> (size, goto
        # symbol, callback or None for a unit reduction that keeps the value).
        # lark's symbol names are `Token`s, whose Python-level __eq__ ran on
        # every lookup with a plain string; the keys here are plain strings.
        self._states = {}
        for state, row in table.states.items():
            new = {}
            for sym, (action, arg) in row.items():
                if action is Shift:
                    new[str.__str__(sym)] = arg
                else:
                    cb = callbacks[arg]
                    new[str.__str__(sym)] = (len(arg.expansion), str.__str__(arg.origin.name),
                                             None if cb is unit else cb)
            self._states[state] = new
        self._unit_chains: dict[tuple, int] = {}

    def _unit_chain(self, below: int, origin: str, ttype: str) -> int:
        """The top state after a unit reduction to `origin` and every unit
        reduction that follows it on lookahead `ttype`, above state `below`."""
        states = self._states
        top = states[below][origin]
        while True:
            if top == self._end:
                raise AssertionError("a unit reduction reached the end state")  # not in this grammar
            act = states[top].get(ttype)
            if act is None or act.__class__ is int or act[2] is not None:
                return top
            top = states[below][act[1]]

    def tokens(self, text: str) -> list[Token]:
        """All tokens of `text`, positioned as lark's lexer positions them."""
        out = []
        append = out.append
        pos, end, line, line_start = 0, len(text), 1, 0
        mres, ignore, newline = self._mres, self._ignore, self._newline
        retype, other = self._retype, self._other_callbacks
        while pos < end:
            for mre, match in mres:
                m = match(text, pos)
                if m:
                    break
            else:
                raise Rejected
            value, type_ = m.group(0), m.lastgroup
            stop = pos + len(value)
            if type_ in ignore:
                if type_ in newline:
                    n = value.count("\n")
                    if n:
                        line += n
                        line_start = pos + value.rindex("\n") + 1
                pos = stop
                continue
            start_line, col = line, pos - line_start + 1
            if type_ in newline:
                n = value.count("\n")
                if n:
                    line += n
                    line_start = pos + value.rindex("\n") + 1
            hook = other.get(type_)  # lark runs one callback per token type: keyword or other
            if hook is None and type_ in retype:  # keywords: lark's check, once per distinct identifier
                cb, cache = retype[type_]
                type_ = cache.get(value)
                if type_ is None:
                    type_ = cache[value] = cb(Token(m.lastgroup, value)).type
            tok = Token(type_, value, pos, start_line, col, line, stop - line_start + 1, stop)
            if hook is not None:
                tok = hook(tok)
            append(tok)
            pos = stop
        # The post-lexer's rewrite: `{` followed by `identifier :` opens a record body.
        for i in range(len(out) - 2):
            t = out[i]
            if t.type == "LBRACE" and out[i + 1].type == "IDENT" and out[i + 2].type == "COLON":
                out[i] = Token.new_borrow_pos("RLBRACE", t.value, t)
        return out

    def parse(self, text: str):
        toks = self.tokens(text)
        toks.append(Token.new_borrow_pos("$END", "", toks[-1]) if toks else Token("$END", "", 0, 1, 1))
        states, end_state = self._states, self._end
        unit_chains = self._unit_chains
        state_stack = [self._start]
        value_stack = []
        for tok in toks:
            ttype = tok.type
            while True:
                act = states[state_stack[-1]].get(ttype)
                if act is None:
                    raise Rejected
                if act.__class__ is int:
                    state_stack.append(act)
                    value_stack.append(tok)
                    break
                size, origin, cb = act
                if cb is None:
                    # Unit reductions keep the value and replace the top state;
                    # a chain of them (`?expr` down to `?primary`: up to 15)
                    # depends only on the state below, the top state and the
                    # lookahead, so its end state is looked up once per triple.
                    below = state_stack[-2]
                    key = (below, state_stack[-1], ttype)
                    top = unit_chains.get(key)
                    if top is None:
                        top = self._unit_chain(below, origin, ttype)
                        unit_chains[key] = top
                    state_stack[-1] = top
                    continue
                else:
                    if size:
                        children = value_stack[-size:]
                        del value_stack[-size:]
                        del state_stack[-size:]
                    else:
                        children = []
                    value_stack.append(cb(children))
                goto = states[state_stack[-1]][origin]
                state_stack.append(goto)
                if goto == end_state and ttype == "$END":
                    return value_stack[-1]
        raise Rejected  # lark would have raised on $END
