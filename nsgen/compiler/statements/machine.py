"""`machine NAME ADDRESS`: a machine of the lab, by its underlay address (issue 11, docs/machines.md).

A lab with machines places its statements on them with `on NAME { ... }` blocks; a bridge declared
outside any block spans every machine (VXLAN between them). `nsgen.compiler.machines` splits such a
lab into one program per machine; this module holds the statement and its own checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from nsgen.compiler import ir
from nsgen.compiler.checks import single_address
from nsgen.compiler.diagnostics import Diagnostic, error
from nsgen.compiler.resolve import lower_nothing
from nsgen.compiler.statements import StatementKind
from nsgen.compiler.symbols import Symbols
from nsgen.compiler.transform import ToIR


def transform(self: ToIR, children: list[Any]) -> ir.Machine:
    """`machine NAME ADDRESS`."""
    return ir.Machine(*self.head(children), name=self.word(self.tokens(children, "NAME")[0]),
                      address=self.word(self.tokens(children, "ADDRESS")[0]))


def machines_of(program: ir.Program) -> list[ir.Machine]:
    """The program's machines, in the order declared."""
    return [s for s in program.statements if isinstance(s, ir.Machine)]


def check_machines(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """A machine declared twice (E231); an underlay address that is not one IPv4 address without
    prefix (E233), or that two machines share (E232)."""
    names: dict[str, ir.Machine] = {}
    addresses: dict[str, ir.Machine] = {}
    for machine in machines_of(program):
        first = names.setdefault(machine.name.text, machine)
        if first is not machine:
            yield error("E231", f"machine '{machine.name.text}' is declared twice", machine.name.span,
                        f"first declared at {first.origin}: `{first.source}`; remove one or rename it")
        address = single_address(machine.address)
        if address is None or "/" in machine.address.text:
            yield error("E233", f"'{machine.address.text}' is not a machine's underlay address",
                        machine.address.span, "write the address the machines reach each other on, without "
                        "prefix, e.g. `machine h1 172.30.0.1`")
            continue
        other = addresses.setdefault(str(address), machine)
        if other is not machine:
            yield error("E232", f"machines '{other.name.text}' and '{machine.name.text}' have the same underlay "
                        f"address {address}", machine.address.span,
                        f"'{other.name.text}' has it at {other.origin}; each machine needs its own address")


KINDS = (
    StatementKind(11, "machine", "machine", ir.Machine, transform, (check_machines,), lower_nothing,
                  "### `machine"),
)
