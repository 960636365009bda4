"""Grammar rules turned into IR: one method per rule, each returning a frozen dataclass.

The parser applies this transformer while it parses (no parse tree is built), with every
token kept, so each statement's span runs from its keyword to its last token.
"""

from __future__ import annotations

from typing import Any

from lark import Token, Transformer

from nsgen.compiler import ir
from nsgen.compiler.diagnostics import Span


class _Option:
    """A `ip ...` or `mtu N` option on its way into its statement."""

    def __init__(self, written: ir.Option, addresses: tuple[ir.Word, ...] = (), mtu: ir.Number | None = None) -> None:
        self.written = written
        self.end = written.span.end_column
        self.addresses = addresses
        self.mtu = mtu


class ToIR(Transformer[Token, Any]):
    """Builds IR nodes. One instance serves every parse: `bind` names the file about to be parsed."""

    def __init__(self) -> None:
        super().__init__()
        self.bind("", "")

    def bind(self, file: str, text: str) -> None:
        """Set the file name and text of the next parse."""
        self.file = file
        self.lines = text.split("\n")

    # values ---------------------------------------------------------------
    def _span(self, token: Token) -> Span:
        return Span(self.file, token.line or 0, token.column or 0, token.end_column or 0)

    def _word(self, token: Token) -> ir.Word:
        return ir.Word(str(token), self._span(token))

    def _number(self, token: Token) -> ir.Number:
        return ir.Number(int(str(token)), self._span(token))

    def _head(self, children: list[Any]) -> tuple[Span, str]:
        """The statement's span (keyword to last token; statements are one line) and its text."""
        keyword: Token = children[0]
        line, column = keyword.line or 0, keyword.column or 0
        end = max(_end_column(child) for child in children)
        return Span(self.file, line, column, end), self.lines[line - 1][column - 1 : end - 1]

    @staticmethod
    def _of(children: list[Any], kind: str) -> list[Token]:
        return [c for c in children if isinstance(c, Token) and c.type == kind]

    @staticmethod
    def _options(children: list[Any]) -> dict[str, Any]:
        """A statement's `addresses`, `mtu` and `options` fields from its option children."""
        addresses: tuple[ir.Word, ...] = ()
        mtu = None
        options: tuple[ir.Option, ...] = ()
        for child in children:
            if isinstance(child, _Option):
                addresses += child.addresses
                mtu = child.mtu or mtu
                options += (child.written,)
        return {"addresses": addresses, "mtu": mtu, "options": options}

    def _option(self, children: list[Any], last: Token) -> ir.Option:
        keyword: Token = children[0]
        span = Span(self.file, keyword.line or 0, keyword.column or 0, last.end_column or 0)
        return ir.Option(str(keyword), span)

    # grammar rules --------------------------------------------------------
    def start(self, children: list[Any]) -> ir.Program:
        return ir.Program(self.file, tuple(c for c in children if isinstance(c, ir.Statement)))

    def lab(self, children: list[Any]) -> ir.Lab:
        return ir.Lab(*self._head(children), name=self._word(self._of(children, "NAME")[0]))

    def ipv6(self, children: list[Any]) -> ir.Ipv6:
        return ir.Ipv6(*self._head(children), setting=self._word(self._of(children, "LINK_LOCAL")[0]))

    def ns(self, children: list[Any]) -> ir.Ns:
        return ir.Ns(*self._head(children), name=self._word(self._of(children, "NAME")[0]))

    def ip_option(self, children: list[Any]) -> _Option:
        addresses = self._of(children, "ADDRESS")
        return _Option(self._option(children, addresses[-1]), addresses=tuple(self._word(t) for t in addresses))

    def mtu_option(self, children: list[Any]) -> _Option:
        number = self._of(children, "INT")[0]
        return _Option(self._option(children, number), mtu=self._number(number))

    def bridge(self, children: list[Any]) -> ir.Bridge:
        return ir.Bridge(*self._head(children), name=self._word(self._of(children, "NAME")[0]),
                         **self._options(children))

    def veth_end(self, children: list[Any]) -> ir.VethEnd:
        names = self._of(children, "NAME")
        return ir.VethEnd(owner=self._word(names[0]), ifname=self._word(names[1]) if len(names) > 1 else None)

    def veth(self, children: list[Any]) -> ir.Veth:
        left, right = (c for c in children if isinstance(c, ir.VethEnd))
        return ir.Veth(*self._head(children), left=left, right=right, **self._options(children))

    def destination(self, children: list[Any]) -> ir.Word:
        return self._word(children[0])

    def route(self, children: list[Any]) -> ir.Route:
        destination = next(c for c in children if isinstance(c, ir.Word))
        return ir.Route(*self._head(children), namespace=self._word(self._of(children, "NAME")[0]),
                        destination=None if destination.text == "default" else destination,
                        gateway=self._word(self._of(children, "ADDRESS")[0]))

    def masquerade(self, children: list[Any]) -> ir.Masquerade:
        names = self._of(children, "NAME")
        return ir.Masquerade(*self._head(children), subnet=self._word(self._of(children, "ADDRESS")[0]),
                             out_interface=self._word(names[0]) if names else None)

    def forward(self, children: list[Any]) -> ir.Forward:
        ints = self._of(children, "INT")
        names = self._of(children, "NAME")
        return ir.Forward(*self._head(children), protocol=self._word(self._of(children, "PROTOCOL")[0]),
                          port=self._number(ints[0]), target=self._word(self._of(children, "ADDRESS")[0]),
                          target_port=self._number(ints[1]) if len(ints) > 1 else None,
                          in_interface=self._word(names[0]) if names else None)

    def expect_ping(self, children: list[Any]) -> ir.ExpectPing:
        return ir.ExpectPing(*self._head(children), source_ns=self._word(self._of(children, "NAME")[0]),
                             negated=bool(self._of(children, "NO")),
                             address=self._word(self._of(children, "ADDRESS")[0]))

    def expect_connect(self, children: list[Any]) -> ir.ExpectConnect:
        names = self._of(children, "NAME")
        ints = self._of(children, "INT")
        addresses = self._of(children, "ADDRESS")
        return ir.ExpectConnect(*self._head(children), source_ns=self._word(names[0]),
                                negated=bool(self._of(children, "NO")),
                                protocol=self._word(self._of(children, "PROTOCOL")[0]),
                                address=self._word(addresses[0]), port=self._number(ints[0]),
                                listener_ns=self._word(names[1]),
                                listener_port=self._number(ints[1]) if len(ints) > 1 else None,
                                seen_from=self._word(addresses[1]) if len(addresses) > 1 else None)


def _end_column(child: Any) -> int:
    """Where a child of a statement ends (exclusive column)."""
    if isinstance(child, Token):
        return child.end_column or 0
    if isinstance(child, _Option):
        return child.end
    if isinstance(child, ir.VethEnd):
        return (child.ifname or child.owner).span.end_column
    if isinstance(child, ir.Word):
        return child.span.end_column
    return 0
