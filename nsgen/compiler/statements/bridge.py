"""`bridge NAME [ip ADDRESS/PREFIX] [mtu N]`: a Linux bridge in the host."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from nsgen.compiler import checks, ir, plan
from nsgen.compiler.diagnostics import Diagnostic, error
from nsgen.compiler.resolve import Context, origin_of
from nsgen.compiler.statements import StatementKind
from nsgen.compiler.symbols import IPNetwork, Symbols, network_of, resolve_address
from nsgen.compiler.transform import ToIR


def transform(self: ToIR, children: list[Any]) -> ir.Bridge:
    """`bridge NAME OPTION...`."""
    return ir.Bridge(*self.head(children), name=self.word(self.tokens(children, "NAME")[0]), **self.options(children))


def check_bridge_overlap(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """Two bridges whose subnets overlap: the host could not tell where to send packets."""
    seen: list[tuple[str, IPNetwork]] = []
    for name, networks in symbols.bridge_subnets.items():
        for network in networks:
            for other, other_network in seen:
                if other != name and network.version == other_network.version and network.overlaps(other_network):
                    word = next(w for w in symbols.bridges[name].addresses if network_of(w.text, strict=False)
                                == network)
                    message = f"bridge '{name}' subnet {network} overlaps bridge '{other}' subnet {other_network}"
                    yield error("E108", message, word.span, "give each bridge its own subnet")
        seen += [(name, network) for network in networks]


def lower(statement: ir.Bridge, context: Context) -> Iterator[plan.Bridge]:
    """A declared bridge (its first declaration) with its address, prefix resolved, and MTU."""
    name = statement.name.text
    if context.symbols.bridges.get(name) is not statement:
        return
    addresses = tuple(str(resolve_address(word.text, context.symbols, name)) for word in statement.addresses)
    mtu = statement.mtu.value if statement.mtu else None
    yield plan.Bridge(name, addresses, mtu, False, origin_of(statement))


KINDS = (
    StatementKind(30, "bridge", "bridge", ir.Bridge, transform,
                  (checks.check_duplicates, checks.check_reserved, check_bridge_overlap, *checks.LINK_CHECKS),
                  lower, "### `bridge"),
)
