"""Syntax stage: LALR reductions that build the AST directly.

lark normally builds a parse tree (a `Tree` per rule, positions propagated
by a wrapper that scans every node's children twice) and the builder then
walks that tree a second time. At 10,000 operators that was most of the
front end's time. Here every reduction of the LALR driver
(upel.syntax.drive) calls the builder (upel.syntax.build) straight away with
the rule's children and its span, and no tree exists.

The span is the driver's: the indices of the rule's first and last token,
which give the same positions lark's `propagate_positions` would (first to
last token of the rule, anonymous tokens such as `fn` and `{` included).
The driver also bounds the height the lark tree would have had, for the
nesting limit (see upel.syntax.parser); `reducers` says which rules add a
level to it.

Which children a rule's method gets (anonymous tokens dropped, `_rule`s
spliced, None for a missing `[optional]`, `?rule`s inlined) is decided by
lark's own `ParseTreeBuilder`; the reducers read its decisions (the indices
of its child filters) and apply them directly: a fixed selection where the
filter only drops tokens (most rules, and all the frequent ones), lark's
filter loop otherwise, without its `Tree`s and its layers of calls.
"""

from __future__ import annotations

import functools
import operator

import lark
from lark.parse_tree_builder import ChildFilterLALR, ChildFilterLALR_NoPlaceholders, ParseTreeBuilder
from lark.tree import Tree


def reducers(parser: lark.Lark, builder_class: type) -> dict:
    """{lark `Rule`: None for a unit reduction, else (adds a tree level, reducer)}.

    `parser` must be an LALR parser built without a transformer. A reducer
    is `fn(builder, raw children, first token, last token)`; it calls the
    method of `builder_class` named after the rule (its alias, or its name).
    """
    tree_builder = ParseTreeBuilder(parser.rules, Tree, False, False, parser.options.maybe_placeholders)
    return {rule: _reducer(rule, chain, builder_class) for rule, chain in tree_builder.rule_builders}


def _reducer(rule, chain, builder_class: type):
    name = rule.alias or rule.options.template_source or rule.origin.name
    expansion = rule.expansion
    if len(expansion) == 1 and not expansion[0].is_term and rule.options.expand1 and not rule.alias \
            and not expansion[0].name.startswith("_"):
        # `?or_expr: and_expr`: lark returns the child as it is; most
        # reductions are these, and the driver only changes state for them.
        return None
    # A `_rule` is spliced into its parent and makes no tree level of its own.
    level = 0 if rule.origin.name.startswith("_") else 1
    method = getattr(builder_class, name, None)
    direct = method is not None and _direct_selection(chain)
    if direct:
        select = direct[1]
        if select is None:
            return level, method
        if not select:  # `"true" -> true_lit`: only anonymous tokens
            def pick_none(builder, raw, first, last, _m=method):
                return _m(builder, (), first, last)
            return level, pick_none
        if len(select) == 1:
            (only,) = select

            def pick_one(builder, raw, first, last, _m=method, _i=only):
                return _m(builder, (raw[_i],), first, last)
            return level, pick_one

        def pick(builder, raw, first, last, _m=method, _get=operator.itemgetter(*select)):
            return _m(builder, _get(raw), first, last)  # a tuple of the children, in order
        return level, pick

    spec = _filter_spec(chain)
    if spec is None:
        raise AssertionError(f"upel.syntax.reduce does not know lark's filter for rule {name}: {chain}")
    return level, _filtered(*spec, method)


def _filter_spec(chain) -> tuple[tuple | None, int] | None:
    """lark's child filter for a rule as (to_include, append_none): which raw
    children it keeps, which it splices (`_rule`s) and where it puts None
    for a missing `[optional]`. None if the chain holds anything else."""
    if not chain:
        return None, 0
    if len(chain) != 1 or not isinstance(chain[0], functools.partial) or chain[0].keywords:
        return None
    func, args = chain[0].func, chain[0].args
    if func is ChildFilterLALR_NoPlaceholders:
        (to_include,) = args
        return tuple((i, expand, 0) for i, expand in to_include), 0
    if func is ChildFilterLALR:
        to_include, append_none = args
        return tuple(to_include), append_none
    return None


def _filtered(to_include, append_none: int, method):
    """A reducer doing what lark's `ChildFilterLALR` does, then calling
    `method`. A `_rule` (no method) is spliced into its parent, so its value
    is the list of its children, which the parent's filter splices."""
    def reduce(builder, raw, first, last):
        if to_include is None:
            children = raw
        else:
            children = []
            for i, expand, add_none in to_include:
                if add_none:
                    children += [None] * add_none
                if expand:
                    if children:
                        children += raw[i]
                    else:  # left recursion (`__args_star: __args_star "," expr`): reuse the list
                        children = raw[i]
                else:
                    children.append(raw[i])
            if append_none:
                children += [None] * append_none
        return children if method is None else method(builder, children, first, last)
    return reduce


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
