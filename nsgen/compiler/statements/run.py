"""`run NS WORD...`: a process in namespace NS, started by setup (detached, its pid and start time
kept, its output in a log), stopped by teardown and by a rollback."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from nsgen.compiler import ir, plan
from nsgen.compiler.checks import namespace_word
from nsgen.compiler.diagnostics import Diagnostic, error
from nsgen.compiler.resolve import Context, origin_of
from nsgen.compiler.statements import StatementKind
from nsgen.compiler.symbols import Symbols
from nsgen.compiler.transform import ToIR


def transform(self: ToIR, children: list[Any]) -> ir.Run:
    """`run NS WORD...`."""
    return ir.Run(*self.head(children), namespace=self.word(self.tokens(children, "NAME")[0]),
                  words=tuple(ir.Argument(word.text, word.span)
                              for word in map(self.word, self.tokens(children, "RUN_WORD"))))


def argument(word: str) -> str:
    """One argument of the command: a quoted word without its quotes (taken literally), else as written."""
    if len(word) >= 2 and word[0] == word[-1] and word[0] in "'\"":
        return word[1:-1]
    return word


def ident(netns: str, argv: tuple[str, ...]) -> str:
    """The process's name in the lab's record, pid file and log: its namespace and a hash of it and its arguments."""
    digest = hashlib.sha256("\0".join((netns, *argv)).encode()).hexdigest()[:10]
    return f"{netns}-{digest}"


def check_runs(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """A `run` names a namespace of the lab (not the host, not a bridge), and the same command runs
    once in a namespace."""
    seen: dict[str, ir.Run] = {}
    for statement in (s for s in program.statements if isinstance(s, ir.Run)):
        where = statement.namespace
        if where.text == ir.HOST:
            yield error("E191", "`run` starts a process in a namespace of the lab, not in the host", where.span,
                        "name a namespace declared with `ns`")
            continue
        yield from namespace_word(where, symbols, "a process")
        key = ident(where.text, tuple(argument(w.text) for w in statement.words))
        if key in seen:
            yield error("E192", f"this command already runs in '{where.text}'", statement.span,
                        f"see {seen[key].origin}: `{seen[key].source}`; remove one")
        seen.setdefault(key, statement)


def lower(statement: ir.Run, context: Context) -> Iterator[plan.Process]:
    """The process: its namespace, arguments (quotes taken off) and identity."""
    argv = tuple(argument(word.text) for word in statement.words)
    yield plan.Process(statement.namespace.text, argv, ident(statement.namespace.text, argv), origin_of(statement))


KINDS = (
    StatementKind(75, "run", "run", ir.Run, transform, (check_runs,), lower, "### `run"),
)
