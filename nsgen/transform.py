"""The Lark tree turned into IR: one method per grammar rule, each returning a frozen dataclass."""

from __future__ import annotations

from typing import Any

from lark import Token, Transformer, Tree, v_args
from lark.tree import Meta

from nsgen import ir
from nsgen.diagnostics import Span


class _Option:
    """A `ip ...` or `mtu N` option on its way into its statement."""

    def __init__(self, addresses: tuple[ir.Word, ...] = (), mtu: ir.Number | None = None) -> None:
        self.addresses = addresses
        self.mtu = mtu


@v_args(meta=True)
class ToIR(Transformer[Token, Any]):
    """Builds IR nodes; knows the file name and text so every node gets its span and source."""

    def __init__(self, file: str, text: str) -> None:
        super().__init__()
        self.file = file
        self.text = text

    # values -------------------------------------------------------------
    def _span(self, token: Token) -> Span:
        return Span(self.file, token.line or 0, token.column or 0, token.end_column or 0)

    def _word(self, token: Token) -> ir.Word:
        return ir.Word(str(token), self._span(token))

    def _number(self, token: Token) -> ir.Number:
        return ir.Number(int(str(token)), self._span(token))

    def _head(self, meta: Meta) -> tuple[Span, str]:
        """The statement's span and its source text, as written."""
        span = Span(self.file, meta.line, meta.column, meta.end_column if meta.end_line == meta.line else meta.column + 1)
        return span, self.text[meta.start_pos : meta.end_pos]

    def _options(self, children: list[Any]) -> tuple[tuple[ir.Word, ...], ir.Number | None]:
        addresses: tuple[ir.Word, ...] = ()
        mtu = None
        for child in children:
            if isinstance(child, _Option):
                addresses += child.addresses
                mtu = child.mtu or mtu
        return addresses, mtu

    def _tokens(self, children: list[Any], kind: str) -> list[Token]:
        return [c for c in children if isinstance(c, Token) and c.type == kind]

    # grammar rules ------------------------------------------------------
    def start(self, meta: Meta, children: list[ir.Statement]) -> ir.Program:
        return ir.Program(self.file, tuple(children))

    def lab(self, meta: Meta, children: list[Token]) -> ir.Lab:
        return ir.Lab(*self._head(meta), name=self._word(children[0]))

    def ns(self, meta: Meta, children: list[Token]) -> ir.Ns:
        return ir.Ns(*self._head(meta), name=self._word(children[0]))

    def ip_option(self, meta: Meta, children: list[Token]) -> _Option:
        return _Option(addresses=tuple(self._word(t) for t in children))

    def mtu_option(self, meta: Meta, children: list[Token]) -> _Option:
        return _Option(mtu=self._number(children[0]))

    def bridge(self, meta: Meta, children: list[Any]) -> ir.Bridge:
        addresses, mtu = self._options(children)
        return ir.Bridge(*self._head(meta), name=self._word(children[0]), addresses=addresses, mtu=mtu)

    def veth_end(self, meta: Meta, children: list[Token]) -> ir.VethEnd:
        ifname = self._word(children[1]) if len(children) > 1 else None
        return ir.VethEnd(owner=self._word(children[0]), ifname=ifname)

    def veth(self, meta: Meta, children: list[Any]) -> ir.Veth:
        addresses, mtu = self._options(children)
        return ir.Veth(*self._head(meta), left=children[0], right=children[1], addresses=addresses, mtu=mtu)

    def destination(self, meta: Meta, children: list[Token]) -> tuple[ir.Word | None, Span]:
        token = children[0]
        return (None if token.type == "DEFAULT" else self._word(token)), self._span(token)

    def route(self, meta: Meta, children: list[Any]) -> ir.Route:
        destination, destination_span = children[1]
        return ir.Route(*self._head(meta), namespace=self._word(children[0]), destination=destination,
                        destination_span=destination_span, gateway=self._word(children[2]))

    def masquerade(self, meta: Meta, children: list[Token]) -> ir.Masquerade:
        names = self._tokens(children, "NAME")
        return ir.Masquerade(*self._head(meta), subnet=self._word(children[0]),
                             out_interface=self._word(names[0]) if names else None)

    def forward(self, meta: Meta, children: list[Token]) -> ir.Forward:
        ints = self._tokens(children, "INT")
        names = self._tokens(children, "NAME")
        return ir.Forward(*self._head(meta), protocol=self._word(children[0]), port=self._number(ints[0]),
                          target=self._word(self._tokens(children, "ADDRESS")[0]),
                          target_port=self._number(ints[1]) if len(ints) > 1 else None,
                          in_interface=self._word(names[0]) if names else None)

    def expect_ping(self, meta: Meta, children: list[Token]) -> ir.ExpectPing:
        return ir.ExpectPing(*self._head(meta), source_ns=self._word(children[0]),
                             negated=bool(self._tokens(children, "NO")),
                             address=self._word(self._tokens(children, "ADDRESS")[0]))

    def expect_connect(self, meta: Meta, children: list[Token]) -> ir.ExpectConnect:
        names = self._tokens(children, "NAME")
        ints = self._tokens(children, "INT")
        addresses = self._tokens(children, "ADDRESS")
        return ir.ExpectConnect(*self._head(meta), source_ns=self._word(names[0]),
                                negated=bool(self._tokens(children, "NO")),
                                protocol=self._word(self._tokens(children, "PROTOCOL")[0]),
                                address=self._word(addresses[0]), port=self._number(ints[0]),
                                listener_ns=self._word(names[1]),
                                listener_port=self._number(ints[1]) if len(ints) > 1 else None,
                                seen_from=self._word(addresses[1]) if len(addresses) > 1 else None)


def to_ir(tree: Tree[Any], file: str, text: str) -> ir.Program:
    """Transform a parse tree of `text` (read from `file`) into an IR program."""
    program = ToIR(file, text).transform(tree)
    assert isinstance(program, ir.Program)
    return program
