"""Syntax stage: a tight lexer and LALR(1) driver over lark's own tables.

lark's `parse` spends most of its time in generic machinery: a lexer state
object per token, a keyword check by regex for every identifier, a dict
lookup keyed by a `Rule` (hashed and compared in Python) per reduction, a
callback even for the unit reductions (`?or_expr: and_expr`) that make up
three quarters of all reductions. This module runs the same automaton with
the same terminals, from the tables lark built for `upel.lark`:

- tokens come from lark's own terminals (its regexes in its priority order,
  fixed strings grouped, see `_master_regex`; its keyword table) with the
  RLBRACE rewrite of `upel.syntax.parser._RecordBracePostLex`. A token is a
  plain tuple `(type, value, start offset)`: lark's `Token` (a `str`
  subclass with eight attributes) cost more to make than to lex; lines and
  columns are computed only for the tokens a `Loc` needs (`line_starts`);
- the LALR action table is lark's, re-keyed once so that a shift is an int,
  a reduction a tuple, and a unit reduction only a state change;
- a reduction's span is a range of token indices: LALR reduces a rule right
  after its last token was shifted, so the rule spans from the first token
  of its first child (kept per stack entry) to the token before the
  lookahead. That is exactly lark's `propagate_positions` (first to last
  token of the rule, anonymous tokens included) without looking at children.

It handles valid input only: on any lexical or syntax error it raises
`Rejected`, and the caller re-runs lark's own `parse` on the text, which
raises the exact exception (token, expected set, position) that the
diagnostics are made from. So messages never depend on this module.
"""

from __future__ import annotations

from lark.lexer import Token, UnlessCallback
from lark.parsers.lalr_analysis import Shift

LITERALS = "LITERALS_"  # the regex group of the terminals that are fixed strings


def _master_regex(scanner, ignore) -> tuple:
    """lark's lexer regex, reshaped to match one token and the ignored text before it.

    lark's regex is `(?P<A>...)|(?P<B>...)|...` in priority order; Python
    tries the alternatives in turn and lark takes the first that matches,
    ignored terminals (white space, comments) included, one match each.
    Here the ignored text before a token is skipped inside the same match,
    by an atomic group (no backtracking into it, as lark never revisits a
    token) that repeats the ignored terminals in lark's order, each guarded
    (where it matches) by a negative lookahead of the terminals lark tries
    before it: the same choice lark makes at every position, in half the
    matches. The token
    alternatives follow in lark's order, with each run of fixed-string
    terminals merged into one group (a named group defeats the regex
    engine's quick skip of an alternative whose first character cannot
    match); the matched text names such a terminal. Returns the compiled
    regex, the names of its literal groups and {string: terminal name}.
    """
    parts: list[str] = []
    literals: dict[str, str] = {}
    run: list[str] = []
    skips: list[str] = []
    before: list[str] = []
    if any(t.name.startswith(LITERALS) for t in scanner.terminals):
        raise AssertionError(f"a terminal's name starts with {LITERALS}")
    for t in scanner.terminals:
        regexp = t.pattern.to_regexp()
        if t.name in ignore:
            # The lookahead first: it fails at the first character of nearly
            # every token, where the guard would run whole terminals.
            guard = f"(?=(?:{regexp}))(?!{'|'.join(before)})" if before else ""
            skips.append(f"{guard}(?:{regexp})")
            continue
        before.append(f"(?:{regexp})")
        if t.pattern.type == "str" and not t.pattern.flags:
            run.append(regexp)
            literals[t.pattern.value] = t.name
            continue
        if run:
            parts.append(f"(?P<{LITERALS}{len(parts)}>{'|'.join(run)})")
            run = []
        parts.append(f"(?P<{t.name}>{regexp})")
    if run:
        parts.append(f"(?P<{LITERALS}{len(parts)}>{'|'.join(run)})")
    # The token is optional so that ignored text at the end of the file matches too.
    regex = scanner.re_.compile(f"(?>(?:{'|'.join(skips)})*)(?:{'|'.join(parts)})?", scanner.g_regex_flags)
    return regex, frozenset(n for n in regex.groupindex if n.startswith(LITERALS)), literals


class Rejected(Exception):
    """The text has a lexical or syntax error; ask lark for the details."""


def line_starts(text: str) -> list[int]:
    """The offset where each line of `text` starts (line k at index k - 1),
    and a sentinel past the end: lark counts lines by "\\n" alone."""
    starts = [0]
    find, at = text.find, text.find("\n")
    while at != -1:
        starts.append(at + 1)
        at = find("\n", at + 1)
    starts.append(len(text) + 1)
    return starts


class Driver:
    """Lexer and parser for one `lark.Lark` (LALR, basic lexer) and per-rule reducers.

    `reducers` maps each lark `Rule` to None (a unit reduction: the child is
    the value) or to `(adds_level, fn)`; `fn(builder, children, first, last)`
    returns the rule's value from its raw children (tokens included) and the
    indices of its first and last token (`first > last`: no tokens).
    """

    def __init__(self, parser, reducers: dict) -> None:
        frontend = parser.parser
        basic = frontend.lexer.lexer  # PostLexConnector -> BasicLexer
        scanner = basic.scanner  # builds the scanner (and its keyword callbacks) once
        # The lexer below runs one regex, lark's, and knows one token callback,
        # lark's keyword check on identifiers; a grammar that needs more (over
        # 100 terminals split lark's regex in parts) needs this lexer extended.
        lex_callbacks = dict(basic.callback)
        if len(scanner._mres) != 1 or any(not isinstance(cb, UnlessCallback) for cb in lex_callbacks.values()):
            raise AssertionError("upel.syntax.drive expects one lexer regex and keyword callbacks only")
        self._mre, self._literal_groups, self._literals = _master_regex(scanner, basic.ignore_types)
        # Per terminal type: its keyword check and a cache of the check's answers.
        self._retype: dict[str, tuple] = {type_: (cb, {}) for type_, cb in lex_callbacks.items()}
        table = frontend.parser.parser.parse_table
        self._start: int = table.start_states["start"]
        self._end: int = table.end_states["start"]
        # Re-key the table, one dict per state in a list (the states are
        # numbered 0..n-1): shift -> next state (int); unit reduction, which
        # keeps the value -> the goto symbol (str); reduction -> (size, goto
        # symbol, adds a tree level, reducer). lark's symbol names are
        # `Token`s, whose Python-level __eq__ ran on every lookup with a
        # plain string; the keys here are plain strings.
        if sorted(table.states) != list(range(len(table.states))):
            raise AssertionError("lark's parse table states are not numbered 0..n-1")
        self._states: list[dict] = []
        for state in range(len(table.states)):
            new = {}
            for sym, (action, arg) in table.states[state].items():
                if action is Shift:
                    new[str.__str__(sym)] = arg
                    continue
                red, origin = reducers[arg], str.__str__(arg.origin.name)
                new[str.__str__(sym)] = origin if red is None else (len(arg.expansion), origin, red[0], red[1])
            self._states.append(new)
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
            if type(act) is not str:
                return top
            top = states[below][act]

    def tokens(self, text: str) -> list[tuple]:
        """All tokens of `text` as `(type, value, start offset)`, as lark's lexer types them."""
        out: list[tuple] = []
        append = out.append
        retype, literal_groups, literals = self._retype, self._literal_groups, self._literals
        # The regex's scanner matches at the end of the previous match; the
        # match without a token (ignored text only) is the end of the file,
        # or a character no terminal matches.
        match = self._mre.scanner(text).match
        while True:
            m = match()
            type_ = m.lastgroup
            if type_ is None:
                if m.end() != len(text):
                    raise Rejected
                break
            value = m.group(type_)
            if type_ in literal_groups:
                type_ = literals[value]
            elif type_ in retype:  # keywords: lark's check, once per distinct identifier
                cb, cache = retype[type_]
                kw = cache.get(value)
                if kw is None:
                    kw = cache[value] = cb(Token(type_, value)).type
                type_ = kw
            append((type_, value, m.end() - len(value)))
        # The post-lexer's rewrite: `{` followed by `identifier :` opens a record body.
        for i in range(len(out) - 2):
            t = out[i]
            if t[0] == "LBRACE" and out[i + 1][0] == "IDENT" and out[i + 2][0] == "COLON":
                out[i] = ("RLBRACE", t[1], t[2])
        return out

    def parse(self, text: str, builder) -> tuple[object, int]:
        """(the start rule's value, a bound on the height of lark's parse tree).

        `builder.tokens` is set to the token list the reducers' spans index."""
        toks = self.tokens(text)
        toks.append(("$END", "", len(text)))
        builder.tokens = toks
        states, end_state = self._states, self._end
        unit_chains = self._unit_chains
        top = self._start  # the top of state_stack, kept in a local
        # Parallel stacks: LALR states, values, each value's first token index
        # and the height of the lark tree it stands for.
        state_stack: list[int] = [top]
        value_stack: list = []
        firsts: list[int] = []
        heights: list[int] = []
        max_height = 0
        i = 0
        for tok in toks:
            ttype = tok[0]
            while True:
                act = states[top].get(ttype)
                if act is None:
                    raise Rejected
                if type(act) is int:
                    state_stack.append(act)
                    value_stack.append(tok)
                    firsts.append(i)
                    heights.append(0)
                    top = act
                    break
                if type(act) is str:
                    # Unit reductions keep the value and replace the top state;
                    # a chain of them (`?expr` down to `?primary`: up to 15)
                    # depends only on the state below, the top state and the
                    # lookahead, so its end state is looked up once per triple.
                    below = state_stack[-2]
                    key = (below, top, ttype)
                    chained = unit_chains.get(key)
                    if chained is None:
                        chained = unit_chains[key] = self._unit_chain(below, act, ttype)
                    top = chained
                    state_stack[-1] = top
                    continue
                size, origin, level, fn = act
                if size == 1:
                    children = [value_stack.pop()]
                    state_stack.pop()
                    first = firsts[-1]
                    height = heights[-1] + level
                    heights[-1] = height
                elif size:
                    children = value_stack[-size:]
                    del value_stack[-size:]
                    del state_stack[-size:]
                    first = firsts[-size]
                    del firsts[1 - size:]
                    height = max(heights[-size:]) + level
                    del heights[1 - size:]
                    heights[-1] = height
                else:
                    children = []
                    first = i
                    height = level
                    firsts.append(i)
                    heights.append(height)
                max_height = max(max_height, height)
                value_stack.append(fn(builder, children, first, i - 1))
                top = states[state_stack[-1]][origin]
                state_stack.append(top)
                if top == end_state and ttype == "$END":
                    return value_stack[-1], max_height
            i += 1
        raise Rejected  # lark would have raised on $END
