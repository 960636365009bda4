"""Grammar rules turned into IR: one method per rule, each returning a frozen dataclass.

The parser applies this transformer while it parses (no parse tree is built), with every
token kept, so each statement's span runs from its keyword to its last token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lark import Token, Transformer

from nsgen.compiler import ir
from nsgen.compiler.diagnostics import Span


class _Option:
    """A `ip ...` or `mtu N` option on its way into its statement."""

    def __init__(self, written: ir.Option, addresses: tuple[ir.Word, ...] = (), mtu: ir.Number | None = None,
                 macs: tuple[ir.Word, ...] = (), vlans: tuple[ir.Number, ...] = ()) -> None:
        self.written = written
        self.end = written.span.end_column
        self.addresses = addresses
        self.mtu = mtu
        self.macs = macs
        self.vlans = vlans


class ToIR(Transformer[Token, Any]):
    """Builds IR nodes. One instance serves every parse: `bind` names the file about to be parsed.

    Its methods build what several statements share (options, veth ends, the program); each
    statement's own method comes from its module in `nsgen.compiler.statements` (`with_statements`).
    The helpers `head`, `word`, `number`, `tokens` and `options` are for those methods."""

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

    def word(self, token: Token) -> ir.Word:
        return ir.Word(str(token), self._span(token))

    def number(self, token: Token) -> ir.Number:
        return ir.Number(int(str(token)), self._span(token))

    def head(self, children: list[Any]) -> tuple[Span, str]:
        """The statement's span (keyword to last token; statements are one line) and its text."""
        keyword: Token = children[0]
        line, column = keyword.line or 0, keyword.column or 0
        end = max(_end_column(child) for child in children)
        return Span(self.file, line, column, end), self.lines[line - 1][column - 1 : end - 1]

    @staticmethod
    def tokens(children: list[Any], kind: str) -> list[Token]:
        return [c for c in children if isinstance(c, Token) and c.type == kind]

    @staticmethod
    def options(children: list[Any]) -> dict[str, Any]:
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

    @staticmethod
    def macs(children: list[Any]) -> tuple[ir.Word, ...]:
        """The values of a statement's `mac` options, in the order written."""
        return tuple(mac for child in children if isinstance(child, _Option) for mac in child.macs)

    @staticmethod
    def vlans(children: list[Any], keyword: str) -> tuple[ir.Number, ...]:
        """The values of a statement's `tag` or `trunk` options, in the order written."""
        return tuple(vlan for child in children if isinstance(child, _Option) and child.written.keyword == keyword
                     for vlan in child.vlans)

    def _option(self, children: list[Any], last: Token) -> ir.Option:
        keyword: Token = children[0]
        span = Span(self.file, keyword.line or 0, keyword.column or 0, last.end_column or 0)
        return ir.Option(str(keyword), span)

    # rules shared by several statements -------------------------------------------
    def start(self, children: list[Any]) -> ir.Program:
        return ir.Program(self.file, tuple(c for c in children if isinstance(c, ir.Statement)))

    def on_block(self, children: list[Any]) -> ir.On:
        """`on MACHINE { ... }`: its span and source are its first line's `on MACHINE`."""
        keyword, name = children[0], children[1]
        span = Span(self.file, keyword.line or 0, keyword.column or 0, name.end_column or 0)
        source = self.lines[span.line - 1][span.column - 1 : span.end_column - 1]
        return ir.On(span, source, machine=self.word(name),
                     body=tuple(c for c in children if isinstance(c, ir.Statement)))

    def ip_option(self, children: list[Any]) -> _Option:
        addresses = self.tokens(children, "ADDRESS")
        return _Option(self._option(children, addresses[-1]), addresses=tuple(self.word(t) for t in addresses))

    def mtu_option(self, children: list[Any]) -> _Option:
        number = self.tokens(children, "INT")[0]
        return _Option(self._option(children, number), mtu=self.number(number))

    def mac_option(self, children: list[Any]) -> _Option:
        macs = self.tokens(children, "MAC")
        return _Option(self._option(children, macs[-1]), macs=tuple(self.word(t) for t in macs))

    def ovs_option(self, children: list[Any]) -> _Option:
        numbers = self.tokens(children, "INT")
        return _Option(self._option(children, numbers[-1]), vlans=tuple(self.number(n) for n in numbers))

    def veth_end(self, children: list[Any]) -> ir.VethEnd:
        names = self.tokens(children, "NAME")
        return ir.VethEnd(owner=self.word(names[0]), ifname=self.word(names[1]) if len(names) > 1 else None)

    def destination(self, children: list[Any]) -> ir.Word:
        return self.word(children[0])


def with_statements(transforms: dict[str, Callable[..., Any]]) -> ToIR:
    """A transformer that also builds every statement: one method per statement rule, from the
    statement registry (each statement's module writes its own)."""
    return type("LabToIR", (ToIR,), dict(transforms))()  # type: ignore[no-any-return]


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
