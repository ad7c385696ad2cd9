"""Syntax stage: a tight lexer and LALR(1) driver over lark's own tables.

lark's `parse` spends most of its time in generic machinery: a lexer state
object per token, a keyword check by regex for every identifier, a dict
lookup keyed by a `Rule` (hashed and compared in Python) per reduction, a
callback even for the unit reductions (`?or_expr: and_expr`) that make up
three quarters of all reductions. This module runs the same automaton with
the same terminals, from the tables lark built for `upel.lark`:

- tokens come from lark's own terminals (its regexes in its priority order,
  fixed strings grouped, see `_master_regex`; its keyword table), as lark's
  `Token` objects with lark's positions, and the RLBRACE rewrite of
  `upel.syntax.parser._RecordBracePostLex`;
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


LITERALS = "LITERALS_"  # the regex group of the terminals that are fixed strings


def _master_regex(scanner) -> tuple:
    """lark's lexer regex, with each run of fixed-string terminals in one group.

    lark's regex is `(?P<A>...)|(?P<B>...)|...` in priority order, and Python
    tries the alternatives in turn; a named group defeats the regex engine's
    quick skip of an alternative whose first character cannot match, so a `}`
    was tried against every terminal before it. Merging adjacent fixed-string
    alternatives into one group keeps the order of every alternative, hence
    the same match; the matched text names the terminal. Returns the
    compiled regex, the names of its literal groups and {string: terminal name}.
    """
    parts, literals, run = [], {}, []
    if any(t.name.startswith(LITERALS) for t in scanner.terminals):
        raise AssertionError(f"a terminal's name starts with {LITERALS}")
    for t in scanner.terminals:
        if t.pattern.type == "str" and not t.pattern.flags:
            run.append(t.pattern.to_regexp())
            literals[t.pattern.value] = t.name
            continue
        if run:
            parts.append(f"(?P<{LITERALS}{len(parts)}>{'|'.join(run)})")
            run = []
        parts.append(f"(?P<{t.name}>{t.pattern.to_regexp()})")
    if run:
        parts.append(f"(?P<{LITERALS}{len(parts)}>{'|'.join(run)})")
    regex = scanner.re_.compile("|".join(parts), scanner.g_regex_flags)
    return regex, frozenset(n for n in regex.groupindex if n.startswith(LITERALS)), literals


class Rejected(Exception):
    """The text has a lexical or syntax error; ask lark for the details."""


class Driver:
    """Lexer and parser for one `lark.Lark` (LALR, basic lexer) and its callbacks."""

    def __init__(self, parser, callbacks: dict, unit) -> None:
        frontend = parser.parser
        basic = frontend.lexer.lexer  # PostLexConnector -> BasicLexer
        scanner = basic.scanner  # builds the scanner (and its keyword callbacks) once
        # The lexer below runs one regex, lark's, and knows one token callback,
        # lark's keyword check on identifiers; a grammar that needs more (over
        # 100 terminals split lark's regex in parts) needs this lexer extended.
        lex_callbacks = dict(basic.callback)
        if len(scanner._mres) != 1 or any(not isinstance(cb, UnlessCallback) for cb in lex_callbacks.values()):
            raise AssertionError("upel.syntax.drive expects one lexer regex and keyword callbacks only")
        self._mre, self._literal_groups, self._literals = _master_regex(scanner)
        self._ignore = basic.ignore_types
        self._newline = basic.newline_types
        # Per terminal type: its keyword check and a cache of the check's answers.
        self._retype = {type_: (cb, {}) for type_, cb in lex_callbacks.items()}
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
        line, line_start, pos = 1, 0, 0
        ignore, newline, retype = self._ignore, self._newline, self._retype
        literal_groups, literals = self._literal_groups, self._literals
        new_str = str.__new__
        # The regex's scanner matches at the end of the previous match, so a
        # gap (a character no terminal matches) ends the loop early.
        match = self._mre.scanner(text).match
        while True:
            m = match()
            if m is None:
                break
            value, type_ = m.group(), m.lastgroup
            if type_ in literal_groups:
                type_ = literals[value]
            stop = pos + len(value)
            if type_ in ignore:
                if type_ in newline and "\n" in value:
                    line += value.count("\n")
                    line_start = pos + value.rindex("\n") + 1
                pos = stop
                continue
            start_line, col = line, pos - line_start + 1
            if type_ in newline and "\n" in value:
                line += value.count("\n")
                line_start = pos + value.rindex("\n") + 1
            if type_ in retype:  # keywords: lark's check, once per distinct identifier
                cb, cache = retype[type_]
                kw = cache.get(value)
                if kw is None:
                    kw = cache[value] = cb(Token(type_, value)).type
                type_ = kw
            # What Token(...) makes, without its Python-level constructor
            # (a third of the lexer's time).
            tok = new_str(Token, value)
            tok.type, tok.value, tok.start_pos, tok.end_pos = type_, value, pos, stop
            tok.line, tok.column, tok.end_line, tok.end_column = start_line, col, line, stop - line_start + 1
            append(tok)
            pos = stop
        if pos != len(text):
            raise Rejected
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
        top = self._start  # the top of state_stack, kept in a local
        state_stack = [top]
        value_stack = []
        for tok in toks:
            ttype = tok.type
            while True:
                act = states[top].get(ttype)
                if act is None:
                    raise Rejected
                if act.__class__ is int:
                    state_stack.append(act)
                    value_stack.append(tok)
                    top = act
                    break
                size, origin, cb = act
                if cb is None:
                    # Unit reductions keep the value and replace the top state;
                    # a chain of them (`?expr` down to `?primary`: up to 15)
                    # depends only on the state below, the top state and the
                    # lookahead, so its end state is looked up once per triple.
                    below = state_stack[-2]
                    key = (below, top, ttype)
                    top = unit_chains.get(key)
                    if top is None:
                        top = self._unit_chain(below, origin, ttype)
                        unit_chains[key] = top
                    state_stack[-1] = top
                    continue
                if size:
                    children = value_stack[-size:]
                    del value_stack[-size:]
                    del state_stack[-size:]
                else:
                    children = []
                value_stack.append(cb(children))
                top = states[state_stack[-1]][origin]
                state_stack.append(top)
                if top == end_state and ttype == "$END":
                    return value_stack[-1]
        raise Rejected  # lark would have raised on $END
