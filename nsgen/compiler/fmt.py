"""`nsgen fmt`: a lab file in its canonical layout, every comment kept.

The layout:
- statements in declaration order, one group after another, a blank line between groups
  (GROUPS: the lab's settings, namespaces, bridges, links, addresses, routes, routers and
  sysctls, NAT and port forwards, expectations); within a group, the order written;
- one statement per line (`;`-joined statements split), words one space apart, no space around
  `:`, `<->` and `=`, `, ` between values, ` -> ` in a forward;
- in a run of statements of one kind, their words stand in columns when each has as many before
  its options, and their options start in one column (`route red  default via ...`);
- comments stay with their statement: the comment lines above it move with it (a blank line
  before them when they are not at the top of a group), a trailing comment stays on its line
  (on the last statement of a `;`-joined line), and trailing comments of consecutive lines are
  aligned. Comments at the top of the file, followed by a blank line, stay at the top; comments
  after the last statement stay at the end.

The parser drops comments, so this module reads them from the source lines: a comment runs from
a line's first `#` (no token holds one) to its end. The statements' tokens come from a parse
tree of the same grammar (the compiler's parser builds IR and keeps no tokens).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput

from nsgen.compiler.diagnostics import Diagnostic
from nsgen.compiler.parser import _parser_cache_file, grammar_text, parse
from nsgen.compiler.statements import REGISTRY

BANDS: tuple[tuple[int, int], ...] = ((20, 0), (30, 1), (40, 2), (45, 3), (50, 4), (55, 5), (60, 6), (80, 7))
"""fmt's groups by a statement's registry `order`: below the first number, the group after it;
80 and up (the expectations) the last, 8. The order bands are documented at StatementKind.order,
so a new statement gets its place here from its registry entry alone."""


def group_of(order: int) -> int:
    """The fmt group of a statement whose registry order is `order`."""
    return next((group for limit, group in BANDS if order < limit), len(BANDS))


GROUPS: dict[str, int] = {kind.rule: group_of(kind.order) for kind in REGISTRY}
"""Each statement's group (by grammar rule), in the order fmt writes them, from the registry."""

_NO_SPACE_BEFORE = frozenset({":", "<->", "=", ",", "]"})
_NO_SPACE_AFTER = frozenset({":", "<->", "=", "["})
_VALUES = frozenset({"NAME", "ADDRESS", "INT", "MAC", "SYSCTL_VALUE", "RUN_WORD"})
"""The terminals that carry a value (the rest are keywords and punctuation)."""
_OPTION_TOKENS = frozenset({"VIA", "DEV", "METRIC", "ONLINK", "VNI", "REMOTE", "LOCAL", "PORT", "BRIDGE", "MODE",
                            "OUT", "IN", "FROM", "KEY", "TTL"})
"""Keyword tokens that start an option (a value-carrying word after the statement's own arguments);
`ip`, `mtu`, `mac`, `tag` and `trunk` start option subtrees of their own (`*_option` rules)."""

COMMENT_GAP = 2
"""Spaces at least between a statement and its trailing comment."""


@dataclass
class _Statement:
    """One statement as fmt lays it out."""

    rule: str
    line: int
    column: int
    head: str
    """The statement up to its first option (all of it when it has none)."""
    options: str
    """Its options, from the first one, or ''."""
    leading: list[str] = field(default_factory=list)
    """The comment lines above it ('' for a blank line between them or before the statement)."""
    trailing: str | None = None

    @property
    def group(self) -> float:
        return GROUPS[self.rule]


def format_source(text: str, filename: str) -> tuple[str | None, list[Diagnostic]]:
    """The lab source in canonical layout, or None plus the diagnostics when it does not parse."""
    try:
        tree = _tree_parser().parse(text)
    except UnexpectedInput:  # the compiler's parser says where, in the language's words
        return None, parse(text, filename)[1]
    trees = [child for child in tree.children if isinstance(child, Tree)]
    blocks = [(str(t.children[1]), [_statement(c) for c in t.children if isinstance(c, Tree)])
              for t in trees if t.data == "on_block"]
    statements = [_statement(child) for child in trees if child.data != "on_block"]
    everything = sorted([*statements, *(s for _name, body in blocks for s in body)], key=lambda s: (s.line, s.column))
    header, trailer = _attach_comments(text.split("\n"), everything)
    if not blocks:
        return _layout(header, statements, trailer), []
    return _layout_machines(header, statements, blocks, trailer), []


def _layout_machines(header: list[str], statements: list[_Statement], blocks: list[tuple[str, list[_Statement]]],
                     trailer: list[str]) -> str:
    """A lab across machines: its lab-wide lines in groups, then each `on MACHINE { ... }` block in
    the order written, its statements laid out as a lab's, indented by two spaces."""
    out = _lines(_layout(header, statements, []))
    for name, body in blocks:
        if out:
            out.append("")
        out.append(f"on {name} {{")
        out += [f"  {line}" if line else "" for line in _lines(_layout([], body, []))]
        out.append("}")
    trailer = list(itertools.dropwhile(lambda line: not line, trailer))  # one blank line before it, not two
    if trailer:
        out.append("")
    out += trailer
    return "".join(line + "\n" for line in out)


@functools.cache
def _tree_parser() -> Lark:
    """The grammar's parser in tree mode, every token kept (`;` and `<->` too)."""
    grammar = grammar_text()
    options: dict[str, Any] = {"parser": "lalr", "keep_all_tokens": True, "maybe_placeholders": False}
    cache = _parser_cache_file(grammar, options)
    if cache is not None:
        options["cache"] = str(cache)
    return Lark(grammar, **options)


def _statement(tree: Tree[Token]) -> _Statement:
    """A statement's tree as words: its head and its options."""
    tokens = list(_tokens(tree))
    starts = _option_starts(tree)
    first = next((i for i, token in enumerate(tokens) if i > 0 and id(token) in starts), len(tokens))
    return _Statement(str(tree.data), tokens[0].line or 0, tokens[0].column or 0,
                      _words(tokens[:first]), _words(tokens[first:]))


def _tokens(tree: Tree[Token]) -> Iterator[Token]:
    """The tree's tokens in the order written."""
    for child in tree.children:
        if isinstance(child, Tree):
            yield from _tokens(child)
        else:
            yield child


def _option_starts(tree: Tree[Token]) -> set[int]:
    """The tokens (by id) that start an option of the statement."""
    starts: set[int] = set()
    for child in tree.children:
        if isinstance(child, Tree) and str(child.data).endswith("_option"):
            starts.add(id(next(_tokens(child))))
        elif isinstance(child, Token) and child.type in _OPTION_TOKENS:
            starts.add(id(child))
    return starts


def _words(tokens: list[Token]) -> str:
    """Tokens joined the canonical way: one space apart, none around `:`, `<->`, `=`, none before `,`."""
    out = ""
    previous = ""
    for token in tokens:
        value = str(token)
        mark = "" if token.type in _VALUES else value  # a value such as a sysctl's `:` is no punctuation
        if out and mark not in _NO_SPACE_BEFORE and previous not in _NO_SPACE_AFTER:
            out += " "
        out += value
        previous = mark
    return out


def _comment_at(line: str) -> str | None:
    """The line's comment (from its first `#`, trailing blanks dropped), or None."""
    at = line.find("#")
    return line[at:].rstrip(" \t\r") if at != -1 else None


def _attach_comments(lines: list[str], statements: list[_Statement]) -> tuple[list[str], list[str]]:
    """Give each statement the comment lines above it and its trailing comment; returns the file's
    header (comments at its top followed by a blank line) and trailer (comments after the last statement)."""
    by_line = {line: list(group) for line, group in itertools.groupby(statements, key=lambda s: s.line)}
    pending: list[str] = []
    for number, line in enumerate(lines, start=1):
        comment = _comment_at(line)
        on_line = by_line.get(number)
        if on_line is None:
            pending.append(comment if comment is not None else "")
            continue
        on_line[0].leading = _tidy(pending)
        on_line[-1].trailing = comment
        pending = []
    header: list[str] = []
    if statements and "" in statements[0].leading:
        split = len(statements[0].leading) - 1 - statements[0].leading[::-1].index("")
        header, statements[0].leading = statements[0].leading[:split], statements[0].leading[split + 1:]
    trailer = _tidy(pending, keep_first_blank=bool(statements))
    while trailer and trailer[-1] == "":
        trailer.pop()
    return header, trailer


def _tidy(lines: list[str], keep_first_blank: bool = False) -> list[str]:
    """Comment lines with runs of blank lines made one, and no blank line first (unless kept)."""
    tidy: list[str] = []
    for line in lines:
        if line == "" and (tidy[-1:] == [""] or (not tidy and not keep_first_blank)):
            continue
        tidy.append(line)
    return tidy


def _layout(header: list[str], statements: list[_Statement], trailer: list[str]) -> str:
    """The canonical text: header, the groups, trailer."""
    out = list(header)
    ordered = sorted(statements, key=lambda s: s.group)  # stable: the order written within a group
    for _group, members in itertools.groupby(ordered, key=lambda s: s.group):
        if out:
            out.append("")
        for index, run in enumerate(_runs(list(members))):
            if run[0].leading and index > 0:
                out.append("")
            out += run[0].leading
            out += _run_lines(run)
    out += trailer
    return "".join(line + "\n" for line in out)


def _lines(text: str) -> list[str]:
    """A layout's lines (split at newlines only: a comment may hold other line separators)."""
    return text.split("\n")[:-1] if text else []


def _runs(statements: list[_Statement]) -> Iterator[list[_Statement]]:
    """Consecutive statements with no comment line between them (a statement with comment lines
    above it starts a run)."""
    run: list[_Statement] = []
    for statement in statements:
        if statement.leading and run:
            yield run
            run = []
        run.append(statement)
    if run:
        yield run


def _run_lines(run: list[_Statement]) -> list[str]:
    """A run's lines: statements of one kind next to each other in columns, trailing comments
    aligned across the run."""
    codes = [code for _rule, kind in itertools.groupby(run, key=lambda s: s.rule) for code in _columns(list(kind))]
    column = max((len(code) for code, s in zip(codes, run, strict=True) if s.trailing is not None), default=0)
    return [code if s.trailing is None else f"{code.ljust(column + COMMENT_GAP)}{s.trailing}"
            for code, s in zip(codes, run, strict=True)]


def _columns(same: list[_Statement]) -> list[str]:
    """Statements of one kind, one under the other: their words in columns when each has as many
    before its options, and their options starting in one column."""
    cells = [s.head.split(" ") for s in same]
    heads = [s.head for s in same]
    if len(same) > 1 and len({len(row) for row in cells}) == 1:
        widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
        heads = [" ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
                 for row in cells]
    with_options = [head for head, s in zip(heads, same, strict=True) if s.options]
    width = max(map(len, with_options)) if len(with_options) > 1 else 0
    return [f"{head.ljust(width)} {s.options}" if s.options else head for head, s in zip(heads, same, strict=True)]
