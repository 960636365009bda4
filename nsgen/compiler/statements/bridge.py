"""`bridge NAME [ip ADDRESS/PREFIX] [mtu N]`: a Linux bridge in the host."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

from nsgen.compiler import checks, ir, plan
from nsgen.compiler.diagnostics import Diagnostic, error
from nsgen.compiler.resolve import Context, origin_of
from nsgen.compiler.statements import StatementKind
from nsgen.compiler.symbols import Symbols, resolve_address
from nsgen.compiler.transform import ToIR


def transform(self: ToIR, children: list[Any]) -> ir.Bridge:
    """`bridge NAME OPTION...`."""
    return ir.Bridge(*self.head(children), name=self.word(self.tokens(children, "NAME")[0]), **self.options(children))


def check_bridge_overlap(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """Two bridges whose subnets overlap: the host could not tell where to send packets."""
    seen: list[tuple[str, ipaddress.IPv4Network]] = []
    for name, network in symbols.bridge_subnets.items():
        for other, other_network in seen:
            if network.overlaps(other_network):
                bridge = symbols.bridges[name]
                message = f"bridge '{name}' subnet {network} overlaps bridge '{other}' subnet {other_network}"
                yield error("E108", message, bridge.addresses[0].span, "give each bridge its own subnet")
        seen.append((name, network))


def lower(statement: ir.Bridge, context: Context) -> Iterator[plan.Bridge]:
    """A declared bridge (its first declaration) with its address, prefix resolved, and MTU."""
    name = statement.name.text
    if context.symbols.bridges.get(name) is not statement:
        return
    address = resolve_address(statement.addresses[0].text, context.symbols, name) if statement.addresses else None
    mtu = statement.mtu.value if statement.mtu else None
    yield plan.Bridge(name, str(address) if address else None, mtu, False, origin_of(statement))


KINDS = (
    StatementKind(30, "bridge", "bridge", ir.Bridge, transform,
                  (checks.check_duplicates, checks.check_reserved, check_bridge_overlap, *checks.LINK_CHECKS),
                  lower, "### `bridge"),
)
