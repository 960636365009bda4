"""`router NS`: forwarding on inside namespace NS (of each family the lab has addresses of); `router
host`: in the host."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from nsgen.compiler import ir, plan
from nsgen.compiler.checks import FORWARDING, FORWARDING6, namespace_word
from nsgen.compiler.diagnostics import Diagnostic, warning
from nsgen.compiler.resolve import Context, origin_of
from nsgen.compiler.statements import StatementKind
from nsgen.compiler.symbols import Symbols, interface_of
from nsgen.compiler.transform import ToIR


def transform(self: ToIR, children: list[Any]) -> ir.Router:
    """`router NS`."""
    return ir.Router(*self.head(children), namespace=self.word(self.tokens(children, "NAME")[0]))


def check_routers(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """A router is a namespace (or the host), said once, and some route of the lab goes through it."""
    seen: dict[str, ir.Router] = {}
    for router in (s for s in program.statements if isinstance(s, ir.Router)):
        where = router.namespace.text
        yield from namespace_word(router.namespace, symbols, "a router")
        if where in seen:
            yield warning("W143", f"`router {where}` is said twice", router.span,
                          f"first at {seen[where].origin}; remove one")
            continue
        seen[where] = router
        if symbols.kind(where) in ("ns", "host") and not _routed_through(program, symbols, where):
            yield warning("W140", f"no route of the lab goes through router '{where}'", router.namespace.span,
                          _router_hint(symbols, where))


def _routed_through(program: ir.Program, symbols: Symbols, where: str) -> bool:
    """True when some other namespace's route has an address of `where` as its gateway."""
    own = {i.address.ip for i in symbols.interfaces if i.owner == where and i.address is not None}
    for route in (s for s in program.statements if isinstance(s, ir.Route)):
        gateway = interface_of(route.gateway.text) if route.gateway is not None else None
        if gateway is not None and gateway.ip in own and route.namespace.text != where:
            return True
    return False


def _router_hint(symbols: Symbols, where: str) -> str:
    """Name an address of the router a neighbour could route via."""
    for interface in symbols.interfaces:
        if interface.owner == where and interface.address is not None and interface.ifname != "lo":
            return (f"its neighbours need a route via it, e.g. `route NS default via {interface.address.ip}` "
                    f"in a namespace on {interface.address.network}")
    return "give it addresses on two subnets, and its neighbours a route via it (`route NS default via ADDRESS`)"


def lower(statement: ir.Router, context: Context) -> Iterator[plan.Sysctl]:
    """Forwarding on, in its namespace or (recorded and restored) in the host: IPv4's, and IPv6's
    too when the lab has IPv6 addresses."""
    where = statement.namespace.text
    netns = None if where == ir.HOST else where
    reason = "`router host`: the host forwards between the lab's subnets" if netns is None else ""
    for family in context.symbols.forwarding_families():
        yield plan.Sysctl(netns, FORWARDING6 if family == 6 else FORWARDING, "1", origin_of(statement), reason)


KINDS = (
    StatementKind(55, "router", "router", ir.Router, transform, (check_routers,), lower, "### `router"),
)
