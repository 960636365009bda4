"""`ipv6 link-local`: leave IPv6 link-local addressing on the lab's interfaces in namespaces to the kernel."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from nsgen.compiler import ir
from nsgen.compiler.diagnostics import Diagnostic, warning
from nsgen.compiler.resolve import lower_nothing
from nsgen.compiler.statements import StatementKind
from nsgen.compiler.symbols import Symbols
from nsgen.compiler.transform import ToIR


def transform(self: ToIR, children: list[Any]) -> ir.Ipv6:
    """`ipv6 link-local`."""
    return ir.Ipv6(*self.head(children), setting=self.word(self.tokens(children, "LINK_LOCAL")[0]))


def check_repeated_ipv6(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """`ipv6 link-local` said more than once: harmless, but a sign of a pasted block."""
    first: ir.Ipv6 | None = None
    for statement in program.statements:
        if not isinstance(statement, ir.Ipv6):
            continue
        if first is None:
            first = statement
            continue
        yield warning("W130", "`ipv6 link-local` is repeated; it applies to the whole lab once",
                      statement.span, f"already said at {first.origin}; remove this line")


KINDS = (
    StatementKind(15, "ipv6", "ipv6", ir.Ipv6, transform, (check_repeated_ipv6,), lower_nothing, "### `ipv6"),
)
