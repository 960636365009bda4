"""`ipvlan NS:NAME on PARENT [mode l2|l3|l3s] [ip ADDRESS/PREFIX] [mtu N]`: an ipvlan in a namespace
whose parent is an interface in the host (issue 14). The shape of `macvlan`, whose checks of the
parent and the name it shares; its children share the parent's MAC address. Generated and
golden-tested; proven on a kernel that has ipvlan."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from nsgen.compiler import checks, ir, plan
from nsgen.compiler.checks import namespace_word
from nsgen.compiler.diagnostics import Diagnostic, error
from nsgen.compiler.resolve import Context, origin_of
from nsgen.compiler.statements import StatementKind
from nsgen.compiler.statements.macvlan import child_link, name_diagnostics, parent_diagnostics
from nsgen.compiler.symbols import Symbols, interfaces_in, resolve_address
from nsgen.compiler.transform import ToIR

MODES = ("l2", "l3", "l3s")
"""ipvlan's modes: l2 switches frames among the parent's children, l3 and l3s route them."""

DEFAULT_MODE = "l3"
"""The kernel's own default, always written."""


def transform(self: ToIR, children: list[Any]) -> ir.Ipvlan:
    """`ipvlan NS:NAME on PARENT [mode MODE] OPTION...`."""
    return ir.Ipvlan(*self.head(children), **child_link(self, children))


def check_ipvlans(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """Its namespace (a lab namespace, not the host), its mode, a parent that can carry it, its name."""
    for ipvlan in (s for s in program.statements if isinstance(s, ir.Ipvlan)):
        if ipvlan.namespace.text == ir.HOST:
            yield error("E100", "an ipvlan lives in a namespace, not in 'host'", ipvlan.namespace.span,
                        "name a namespace of the lab: `ipvlan NS:NAME on PARENT`; its parent is in the host")
        else:
            yield from namespace_word(ipvlan.namespace, symbols, "an ipvlan")
        if ipvlan.mode is not None and ipvlan.mode.text not in MODES:
            yield error("E222", f"unknown ipvlan mode '{ipvlan.mode.text}'", ipvlan.mode.span,
                        f"one of {', '.join(MODES)} (`{DEFAULT_MODE}` when no mode is given)")
        yield from parent_diagnostics(ipvlan, symbols)
        yield from name_diagnostics(ipvlan, symbols)


def lower(statement: ir.Ipvlan, context: Context) -> Iterator[plan.Macvlan]:
    """The ipvlan, as a macvlan-shaped plan item of kind `ipvlan`; `addrgenmode none` when `quiet`."""
    address = resolve_address(statement.addresses[0].text, context.symbols, None) if statement.addresses else None
    yield plan.Macvlan(
        netns=statement.namespace.text, ifname=statement.name.text, parent=statement.parent.text,
        mode=statement.mode.text if statement.mode else DEFAULT_MODE, address=str(address) if address else None,
        mtu=statement.mtu.value if statement.mtu else None, origin=origin_of(statement),
        parent_in_lab=statement.parent.text in interfaces_in(context.symbols, ir.HOST),
        addrgenmode="none" if context.quiet else None, mode_given=statement.mode is not None, kind="ipvlan")


KINDS = (
    StatementKind(44, "ipvlan", "ipvlan", ir.Ipvlan, transform,
                  (check_ipvlans, *checks.LINK_CHECKS),
                  lower, "### `ipvlan"),
)
