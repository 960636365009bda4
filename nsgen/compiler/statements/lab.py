"""`lab NAME`: the lab's name (default: the lab file's stem)."""

from __future__ import annotations

from typing import Any

from nsgen.compiler import checks, ir
from nsgen.compiler.resolve import lower_nothing
from nsgen.compiler.statements import StatementKind
from nsgen.compiler.transform import ToIR


def transform(self: ToIR, children: list[Any]) -> ir.Lab:
    """`lab NAME`."""
    return ir.Lab(*self.head(children), name=self.word(self.tokens(children, "NAME")[0]))


KINDS = (
    StatementKind(10, "lab", "lab", ir.Lab, transform, (checks.check_duplicates, checks.check_name_lengths),
                  lower_nothing, "### `lab"),
)
