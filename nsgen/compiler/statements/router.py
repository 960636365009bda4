"""`router NS [deny]`: forwarding on inside namespace NS (of each family the lab has addresses of); `router
host`: in the host. `deny`: NS forwards no new connection but those an `allow FROM -> TO via NS` names
(and its own `nat NS`/`forward NS` lines' traffic); replies always pass."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from nsgen.compiler import ir, plan
from nsgen.compiler.checks import FORWARDING, FORWARDING6, namespace_word
from nsgen.compiler.diagnostics import Diagnostic, error, warning
from nsgen.compiler.resolve import Context, origin_of
from nsgen.compiler.statements import StatementKind
from nsgen.compiler.symbols import Symbols, interface_of
from nsgen.compiler.transform import ToIR


def transform(self: ToIR, children: list[Any]) -> ir.Router:
    """`router NS [deny]`."""
    deny = self.tokens(children, "DENY")
    return ir.Router(*self.head(children), namespace=self.word(self.tokens(children, "NAME")[0]),
                     deny=self.word(deny[0]) if deny else None)


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
        if router.deny is not None:
            yield from _denies(program, router)
        if symbols.kind(where) in ("ns", "host") and not _routed_through(program, symbols, where):
            yield warning("W140", f"no route of the lab goes through router '{where}'", router.namespace.span,
                          _router_hint(symbols, where))


def _denies(program: ir.Program, router: ir.Router) -> Iterator[Diagnostic]:
    """`router NS deny`: NS is a namespace (the host's FORWARD chain is not the lab's to close), and
    something passes through it (an `allow ... via NS`, a `nat NS`, a `forward NS`)."""
    where = router.namespace.text
    assert router.deny is not None
    if where == ir.HOST:
        yield error("E195", "`router host deny` would close the host's forwarding to everything, not only the lab",
                    router.deny.span, "make the router a namespace of the lab (`ns r1`, `router r1 deny`), "
                    "or drop `deny`")
        return
    through = [s for s in program.statements if (isinstance(s, ir.Allow) and s.via is not None and s.via.text == where)
               or (isinstance(s, (ir.Masquerade, ir.Forward, ir.ForwardAddress)) and s.namespace is not None
                   and s.namespace.text == where)]
    for masquerade in (s for s in through if isinstance(s, ir.Masquerade) and s.out_interface is None):
        yield warning("W198", f"router '{where}' denies forwarding, but this masquerade has no `out`, so every "
                      f"connection from {masquerade.subnet.text} passes, to the lab's other subnets too",
                      masquerade.subnet.span, "add `out IFNAME` (the interface towards the outside) to let "
                      "only what leaves there pass")
    if not through:
        yield warning("W194", f"router '{where}' denies forwarding and nothing is allowed through it",
                      router.deny.span, f"add flows it forwards, e.g. `allow NS -> NS2 via {where} tcp 80`")


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


def lower(statement: ir.Router, context: Context) -> Iterator[plan.Sysctl | plan.RouterFilter]:
    """Forwarding on, in its namespace or (recorded and restored) in the host: IPv4's, and IPv6's
    too when the lab has IPv6 addresses; `deny`: the filter, in those same families (every family it
    forwards, whether or not it has addresses of it)."""
    where = statement.namespace.text
    netns = None if where == ir.HOST else where
    reason = "`router host`: the host forwards between the lab's subnets" if netns is None else ""
    for family in context.symbols.forwarding_families():
        yield plan.Sysctl(netns, FORWARDING6 if family == 6 else FORWARDING, "1", origin_of(statement), reason)
    if statement.deny is not None and netns is not None:
        yield plan.RouterFilter(netns, origin_of(statement), context.symbols.forwarding_families())


KINDS = (
    StatementKind(55, "router", "router", ir.Router, transform, (check_routers,), lower, "### `router"),
)
