"""`sysctl NS KEY=VALUE`: a net.* sysctl in namespace NS, or in the host (`sysctl host ...`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from nsgen.compiler import ir, plan
from nsgen.compiler.checks import FORWARDING, FORWARDING6, namespace_word
from nsgen.compiler.diagnostics import Diagnostic, error, warning
from nsgen.compiler.resolve import Context, origin_of
from nsgen.compiler.statements import StatementKind
from nsgen.compiler.symbols import Symbols, family_of
from nsgen.compiler.transform import ToIR

KEY = re.compile(r"net(\.[A-Za-z0-9_-]+)+")
"""A key under net.*: dotted parts, none empty (so its path under /proc/sys/net never climbs out)."""


def transform(self: ToIR, children: list[Any]) -> ir.Sysctl:
    """`sysctl NS KEY=VALUE`."""
    names = self.tokens(children, "NAME")
    return ir.Sysctl(*self.head(children), namespace=self.word(names[0]), key=self.word(names[1]),
                     value=self.word(self.tokens(children, "SYSCTL_VALUE")[0]))


def check_sysctls(program: ir.Program, symbols: Symbols) -> Iterator[Diagnostic]:
    """A sysctl is under net.*, in a namespace or the host, and each key gets one value in each place
    (`router` sets net.ipv4.ip_forward=1 there, and NAT where its rules are)."""
    values = _implied(program, symbols)
    for sysctl in (s for s in program.statements if isinstance(s, ir.Sysctl)):
        yield from namespace_word(sysctl.namespace, symbols, "a sysctl")
        key, value = sysctl.key.text, sysctl.value.text
        if not KEY.fullmatch(key):
            yield error("E141", f"'{key}' is not a sysctl under net.*", sysctl.key.span,
                        "nsgen sets only network sysctls (their values are per network namespace), such as "
                        "net.ipv4.conf.all.rp_filter=0")
            continue
        place = (sysctl.namespace.text, key)
        if place in values:
            first, said = values[place]
            if said != value:
                yield error("E142", f"{key} is set to {said} already, at {first.origin}", sysctl.value.span,
                            f"`{first.source}` sets it to {said}; keep one value")
            else:
                yield warning("W143", f"{key}={value} is set twice", sysctl.span,
                              f"first at {first.origin}: `{first.source}`; remove one")
            continue
        values[place] = (sysctl, value)


def _implied(program: ir.Program, symbols: Symbols) -> dict[tuple[str, str], tuple[ir.Statement, str]]:
    """The sysctls other statements set: forwarding for each `router` (of each family the lab has),
    and in the host for NAT of each family."""
    values: dict[tuple[str, str], tuple[ir.Statement, str]] = {}
    for statement in program.statements:
        if isinstance(statement, ir.Router):
            for family in symbols.forwarding_families():
                key = FORWARDING6 if family == 6 else FORWARDING
                values.setdefault((statement.namespace.text, key), (statement, "1"))
        elif isinstance(statement, (ir.Masquerade, ir.Forward)):
            word = statement.subnet if isinstance(statement, ir.Masquerade) else statement.target
            key = FORWARDING6 if family_of(word.text) == 6 else FORWARDING
            where = statement.namespace.text if statement.namespace is not None else ir.HOST
            values.setdefault((where, key), (statement, "1"))
    return values


def lower(statement: ir.Sysctl, context: Context) -> Iterator[plan.Sysctl]:
    """The sysctl, in its namespace or (recorded and restored) in the host."""
    where = statement.namespace.text
    origin = origin_of(statement)
    yield plan.Sysctl(None if where == ir.HOST else where, statement.key.text, statement.value.text, origin,
                      f"{origin.where} sets it")


KINDS = (
    StatementKind(56, "sysctl", "sysctl", ir.Sysctl, transform, (check_sysctls,), lower, "### `sysctl"),
)
