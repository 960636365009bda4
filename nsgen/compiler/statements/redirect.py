"""`redirect NS tcp|udp PORT -> PORT2 [in IFNAME]`: REDIRECT, by rules inside namespace NS, of
connections to PORT to NS's own local PORT2: those arriving (on IFNAME, if given) whatever their
destination (a transparent proxy on a router), and NS's own to its own addresses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from nsgen.compiler import checks, ir, plan
from nsgen.compiler.checks import namespace_word, port_range, statements_of
from nsgen.compiler.diagnostics import Diagnostic, error, warning
from nsgen.compiler.resolve import Context, origin_of
from nsgen.compiler.statements import StatementKind
from nsgen.compiler.statements.isolate import isolated_families
from nsgen.compiler.symbols import Symbols
from nsgen.compiler.transform import ToIR


def transform(self: ToIR, children: list[Any]) -> ir.Redirect:
    """`redirect NS PROTO PORT -> PORT2 [in IFNAME]`."""
    names = self.tokens(children, "NAME")
    ports = self.tokens(children, "INT")
    return ir.Redirect(*self.head(children), namespace=self.word(names[0]),
                       protocol=self.word(self.tokens(children, "PROTOCOL")[0]), port=self.number(ports[0]),
                       to_port=self.number(ports[1]), in_interface=self.word(names[1]) if len(names) > 1 else None)


def check_redirects(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """In a namespace (E197 on the host), ports in range, a port redirected or forwarded once per namespace
    (E198), and an isolated namespace letting the redirected port in (W196)."""
    taken: list[tuple[tuple[str, str, int], str | None, ir.Statement]] = [
        ((s.namespace.text, s.protocol.text, s.port.value), s.in_interface.text if s.in_interface else None, s)
        for s in statements_of(program, ir.Forward) if isinstance(s, ir.Forward) and s.namespace is not None]
    for statement in statements_of(program, ir.Redirect):
        assert isinstance(statement, ir.Redirect)
        netns = statement.namespace.text
        if netns == ir.HOST:
            yield error("E197", "a `redirect` works inside a namespace; nsgen leaves the host's own ports "
                        "alone", statement.namespace.span, "redirect in a router namespace the traffic crosses "
                        f"(`redirect r1 {statement.protocol.text} {statement.port.value} -> "
                        f"{statement.to_port.value}`)")
            continue
        yield from namespace_word(statement.namespace, symbols, "a `redirect`")
        yield from port_range(statement.port)
        yield from port_range(statement.to_port)
        key = (netns, statement.protocol.text, statement.port.value)
        arrival = statement.in_interface.text if statement.in_interface else None
        first = next((s for k, where, s in taken if k == key and (None in (where, arrival) or where == arrival)),
                     None)
        if first is not None:
            yield error("E198", f"{key[1]} port {key[2]} is already forwarded or redirected in '{netns}'"
                        f"{f' on {arrival}' if arrival else ''}", statement.port.span,
                        f"see {first.origin}: `{first.source}` (a port forward is matched before a redirect); "
                        "remove one, or give them different `in` interfaces")
        taken.append((key, arrival, statement))
        yield from _let_in(program, statement)


def _let_in(program: ir.Program, statement: ir.Redirect) -> Iterator[Diagnostic]:
    """W196: an isolated namespace with no `allow` that lets the redirected connections reach PORT2."""
    netns, protocol, port = statement.namespace.text, statement.protocol.text, statement.to_port.value
    if not any(isinstance(s, ir.Isolate) and s.namespace.text == netns for s in program.statements):
        return
    if any(isinstance(s, ir.Allow) and s.via is None and s.namespace.text == netns
           and (s.protocol is None or (s.protocol.text == protocol and s.port is not None and s.port.value == port))
           for s in program.statements):
        return
    yield warning("W196", f"'{netns}' is isolated and no `allow` lets the redirected connections in to {protocol} "
                  f"port {port}", statement.to_port.span, f"add `allow FROM -> {netns} {protocol} {port}`")


def lower(statement: ir.Redirect, context: Context) -> Iterator[plan.Redirect]:
    """The redirect, in the families the namespace has addresses of."""
    netns = statement.namespace.text
    yield plan.Redirect(netns, statement.protocol.text, statement.port.value, statement.to_port.value,
                        statement.in_interface.text if statement.in_interface else None, origin_of(statement),
                        isolated_families(context.symbols, netns))


KINDS = (
    StatementKind(72, "redirect", "redirect", ir.Redirect, transform,
                  (check_redirects, checks.check_namespace_rule_interfaces, checks.check_name_lengths),
                  lower, "### `redirect"),
)
