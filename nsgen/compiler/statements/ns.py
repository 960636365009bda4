"""`ns NAME`: a network namespace."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from nsgen.compiler import checks, ir, plan
from nsgen.compiler.resolve import Context, origin_of
from nsgen.compiler.statements import StatementKind
from nsgen.compiler.transform import ToIR


def transform(self: ToIR, children: list[Any]) -> ir.Ns:
    """`ns NAME`."""
    return ir.Ns(*self.head(children), name=self.word(self.tokens(children, "NAME")[0]))


def lower(statement: ir.Ns, context: Context) -> Iterator[plan.Namespace]:
    """A namespace, once (a second declaration is an error before lowering)."""
    if context.symbols.namespaces[statement.name.text] is statement:
        yield plan.Namespace(statement.name.text, origin_of(statement))


KINDS = (
    StatementKind(20, "ns", "ns", ir.Ns, transform,
                  (checks.check_duplicates, checks.check_reserved, checks.check_name_lengths), lower, "### `ns"),
)
