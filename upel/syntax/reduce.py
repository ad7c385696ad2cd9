"""Syntax stage: LALR reductions that build the AST directly.

lark normally builds a parse tree (a `Tree` per rule, positions propagated
by a wrapper that scans every node's children twice) and the builder then
walks that tree a second time. At 10,000 operators that was most of the
front end's time. Here every reduction of lark's LALR parser calls the
builder (upel.syntax.build) straight away, and no tree exists.

lark cannot pass positions to such inline callbacks (`v_args(meta=True)`
is refused for them), so this module keeps them itself, exactly as lark's
`propagate_positions` would: a rule's span runs from the start of its first
token to the end of its last one, including the anonymous tokens (`fn`,
`{`) the builder never sees. A reduction pops its children from the parser's
value stack in LIFO order, so the spans of the non-token children are the
top entries of a parallel stack kept here; tokens carry their own positions.
Each entry also bounds the height the lark tree would have had, for the
nesting limit (see upel.syntax.parser).

The filtering lark applies between the parser and a callback (dropping
anonymous tokens, splicing `_rule`s, `[optional]` placeholders, inlining
`?rule`s) is lark's own code (`ParseTreeBuilder`), reused unchanged; only
where lark's filter keeps children at fixed indices (most rules) does the
callback pick them itself (`_direct_selection`), the same children without
two layers of calls.
"""

from __future__ import annotations

import functools
import threading

import lark
from lark.parse_tree_builder import ChildFilterLALR_NoPlaceholders, ParseTreeBuilder
from lark.tree import Tree

# An entry: (line, col, end_line, end_col, height). line 0: no tokens (an empty `meta`).
EMPTY = (0, 0, 0, 0, 0)


class ReductionState:
    """Per-parse state the shared callbacks read: the builder and the span stack."""

    __slots__ = ("builder", "stack", "span", "max_height")

    def __init__(self) -> None:
        self.builder = None
        self.stack: list[tuple] = []
        self.span: tuple = EMPTY
        self.max_height = 0


def install(parser: lark.Lark, builder_class: type) -> tuple[ReductionState, threading.Lock]:
    """Replace `parser`'s tree-building callbacks by AST-building ones.

    `parser` must be an LALR parser built without a transformer and without
    `propagate_positions`. Returns the state the callbacks share; a parse
    must hold the returned lock while it sets `state.builder` and runs.
    """
    state = ReductionState()
    tree_builder = ParseTreeBuilder(parser.rules, Tree, False, False, parser.options.maybe_placeholders)
    callbacks = {}
    for rule, chain in tree_builder.rule_builders:
        callbacks[rule] = _callback(rule, chain, state, builder_class)
    # lark's parser holds this very dict (Lark -> ParserConf -> LALR parser),
    # so updating it in place switches every later parse to the new callbacks.
    parser._callbacks.clear()
    parser._callbacks.update(callbacks)
    return state, threading.Lock()


def first_child(children):
    return children[0]


def _callback(rule, chain, state: ReductionState, builder_class: type):
    name = rule.alias or rule.options.template_source or rule.origin.name
    expansion = rule.expansion
    if len(expansion) == 1 and not expansion[0].is_term and rule.options.expand1 and not rule.alias \
            and not expansion[0].name.startswith("_"):
        # `?or_expr: and_expr`: lark returns the child as it is; its span
        # entry stays on top of the stack unchanged. Most reductions are these.
        return first_child

    method = getattr(builder_class, name, None)
    if method is not None:
        def node(children, _m=method):
            return _m(state.builder, state.span, children)
    else:
        # Rules the builder has no callback for are `_rule`s spliced into
        # their parent, or single-child `?rule`s; lark's filter wants `.children`.
        def node(children, _name=name):
            return Tree(_name, children)
    for wrap in chain:
        node = wrap(node)
    # Most rules with a builder method only drop anonymous tokens: lark's
    # filter then keeps the children at fixed indices, which the callback
    # picks itself (or, with no filter at all, passes the children as they are).
    direct = method is not None and _direct_selection(chain)
    select = direct[1] if direct else None

    is_term = tuple(sym.is_term for sym in expansion)
    n_values = is_term.count(False)
    # A `_rule` is spliced into its parent and makes no tree level of its own.
    adds_level = 0 if rule.origin.name.startswith("_") else 1
    # (index in the raw children, is a token) in order, and reversed; a
    # non-token's entry is found by counting the non-tokens before it.
    forward = tuple(enumerate(is_term))
    backward = forward[::-1]
    # The common cases: the span starts at a token (`fn ...`) or ends at one (`... }`).
    first_is_term = bool(is_term) and is_term[0]
    last_is_term = bool(is_term) and is_term[-1]
    last = len(is_term) - 1

    def callback(raw):
        stack = state.stack
        if n_values == 1:
            entries = (stack.pop(),)
            height = entries[0][4] + adds_level
        elif n_values:
            entries = stack[-n_values:]
            del stack[-n_values:]
            height = max([ent[4] for ent in entries]) + adds_level
        else:
            entries = ()
            height = adds_level
        line = col = end_line = end_col = 0
        if first_is_term:
            tok = raw[0]
            line, col = tok.line, tok.column
        else:
            e = 0
            for i, term in forward:
                if term:
                    tok = raw[i]
                    line, col = tok.line, tok.column
                    break
                ent = entries[e]
                e += 1
                if ent[0]:
                    line, col = ent[0], ent[1]
                    break
        if line:
            if last_is_term:
                tok = raw[last]
                end_line, end_col = tok.end_line, tok.end_column
            else:
                e = n_values
                for i, term in backward:
                    if term:
                        tok = raw[i]
                        end_line, end_col = tok.end_line, tok.end_column
                        break
                    e -= 1
                    ent = entries[e]
                    if ent[0]:
                        end_line, end_col = ent[2], ent[3]
                        break
        span = (line, col, end_line, end_col, height)
        if height > state.max_height:
            state.max_height = height
        state.span = span
        if direct:
            result = method(state.builder, span, raw if select is None else [raw[i] for i in select])
        else:
            result = node(raw)
        stack.append(span)
        return result

    return callback


def _direct_selection(chain) -> tuple[bool, tuple | None] | None:
    """(True, None) if lark passes a rule's children to its callback as they
    are, (True, indices) if it passes those children only, else None."""
    if not chain:
        return True, None
    if len(chain) == 1 and isinstance(chain[0], functools.partial) \
            and chain[0].func is ChildFilterLALR_NoPlaceholders and not chain[0].keywords:
        (to_include,) = chain[0].args
        if not any(to_expand for _, to_expand in to_include):
            return True, tuple(i for i, _ in to_include)
    return None
