"""`expect NS [no] ping ADDRESS` and `expect NS [no] PROTO ADDRESS:PORT reaches NS2[:PORT] [from ADDRESS]`:
what `nsgen test` checks once the lab is up (`build` ignores them)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from nsgen.compiler import ir, plan
from nsgen.compiler.checks import port_range, unknown_name
from nsgen.compiler.diagnostics import Diagnostic, error
from nsgen.compiler.resolve import Context, origin_of
from nsgen.compiler.statements import StatementKind
from nsgen.compiler.symbols import RESERVED, Symbols, interface_of
from nsgen.compiler.transform import ToIR


def transform_ping(self: ToIR, children: list[Any]) -> ir.ExpectPing:
    """`expect NS [no] ping ADDRESS`."""
    return ir.ExpectPing(*self.head(children), source_ns=self.word(self.tokens(children, "NAME")[0]),
                         negated=bool(self.tokens(children, "NO")),
                         address=self.word(self.tokens(children, "ADDRESS")[0]))


def transform_connect(self: ToIR, children: list[Any]) -> ir.ExpectConnect:
    """`expect NS [no] PROTO ADDRESS:PORT reaches NS2[:PORT] [from ADDRESS]`."""
    names = self.tokens(children, "NAME")
    ints = self.tokens(children, "INT")
    addresses = self.tokens(children, "ADDRESS")
    return ir.ExpectConnect(*self.head(children), source_ns=self.word(names[0]),
                            negated=bool(self.tokens(children, "NO")),
                            protocol=self.word(self.tokens(children, "PROTOCOL")[0]),
                            address=self.word(addresses[0]), port=self.number(ints[0]),
                            listener_ns=self.word(names[1]),
                            listener_port=self.number(ints[1]) if len(ints) > 1 else None,
                            seen_from=self.word(addresses[1]) if len(addresses) > 1 else None)


def check_expectations(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """Expectations name known namespaces (or `host`/`outside`), valid addresses and ports."""
    extra = RESERVED
    for statement in program.statements:
        if isinstance(statement, ir.ExpectPing):
            yield from _known_ns(statement.source_ns, symbols, extra)
            yield from _bare_address(statement.address)
        elif isinstance(statement, ir.ExpectConnect):
            yield from _known_ns(statement.source_ns, symbols, extra)
            yield from _known_ns(statement.listener_ns, symbols, extra)
            yield from _bare_address(statement.address)
            yield from port_range(statement.port)
            if statement.listener_port is not None:
                yield from port_range(statement.listener_port)
            if statement.seen_from is not None:
                yield from _bare_address(statement.seen_from)
                if statement.negated:
                    yield error("E129", "`from` cannot go with `no`", statement.seen_from.span,
                                "a connection that must fail has no source to check")


def _known_ns(word: ir.Word, symbols: Symbols, extra: tuple[str, ...]) -> Iterator[Diagnostic]:
    if word.text not in symbols.namespaces and word.text not in extra:
        yield unknown_name(word, symbols, "namespace", extra)


def _bare_address(word: ir.Word) -> Iterator[Diagnostic]:
    if "/" in word.text or interface_of(word.text) is None:
        yield error("E105", f"'{word.text}' is not a single IPv4 address", word.span,
                    "e.g. 192.168.15.2, without prefix")


def lower(statement: ir.ExpectPing | ir.ExpectConnect, context: Context) -> Iterator[plan.Expectation]:
    """The expectation, for `nsgen test`."""
    origin = origin_of(statement)
    if isinstance(statement, ir.ExpectPing):
        yield plan.PingExpectation(statement.source_ns.text, statement.address.text, statement.negated, origin)
        return
    listener_port = statement.listener_port.value if statement.listener_port else statement.port.value
    yield plan.ConnectExpectation(
        netns=statement.source_ns.text, protocol=statement.protocol.text, address=statement.address.text,
        port=statement.port.value, listener_netns=statement.listener_ns.text, listener_port=listener_port,
        seen_from=statement.seen_from.text if statement.seen_from else None, negated=statement.negated,
        origin=origin)


KINDS = (
    StatementKind(80, "expect", "expect_ping", ir.ExpectPing, transform_ping, (check_expectations,), lower,
                  "### `expect"),
    StatementKind(81, "expect", "expect_connect", ir.ExpectConnect, transform_connect, (check_expectations,), lower,
                  "### `expect"),
)
