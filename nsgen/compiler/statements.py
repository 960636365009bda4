"""The statement registry: one entry per statement kind, the one list of statements.

An entry holds the statement's keyword, its grammar rule (and so its transformer method, `ToIR.<rule>`,
and its IR class), the checks that concern it and its lowering into plan items. Everything else
that lists statements is derived from REGISTRY: the grammar's `statement` rule, the keywords in
syntax errors, the checks `run_checks` runs, the lowering `resolve.lower` dispatches to. Steps,
styles, summaries and batch keys follow from the plan. `tests/test_registry.py` proves each entry
complete: transformer method, checks, lowering, golden case, error cases, docs section.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nsgen.compiler import checks as c
from nsgen.compiler import ir, resolve
from nsgen.compiler.transform import ToIR


@dataclass(frozen=True)
class StatementKind:
    """Everything about one kind of statement, in one place."""

    keyword: str
    """The word the statement starts with."""
    rule: str
    """Its grammar rule in grammar/nsgen.lark; `ToIR.<rule>` builds its IR node."""
    node: type[ir.Statement]
    checks: tuple[c.Check, ...]
    """The semantic checks that look at it (a check may concern several kinds)."""
    lower: resolve.Lowering
    docs: str
    """How its section heading in docs/language.md starts."""

    @property
    def transform(self) -> Callable[..., Any]:
        """The transformer method that turns the rule's parse into `node`."""
        method: Callable[..., Any] = getattr(ToIR, self.rule)
        return method


_LINKS = (c.check_name_lengths, c.check_interface_addresses, c.check_address_ranges, c.check_duplicate_addresses,
          c.check_interface_overlap, c.check_interface_names, c.check_repeated_options, c.check_mtu)

REGISTRY: tuple[StatementKind, ...] = (
    StatementKind("lab", "lab", ir.Lab, (c.check_duplicates, c.check_name_lengths), resolve.lower_nothing,
                  "### `lab"),
    StatementKind("ns", "ns", ir.Ns, (c.check_duplicates, c.check_reserved, c.check_name_lengths),
                  resolve.lower_ns, "### `ns"),
    StatementKind("bridge", "bridge", ir.Bridge, (c.check_duplicates, c.check_reserved, c.check_bridge_overlap,
                                                 *_LINKS), resolve.lower_bridge, "### `bridge"),
    StatementKind("veth", "veth", ir.Veth, (c.check_veth_ends, *_LINKS), resolve.lower_veth, "### `veth"),
    StatementKind("route", "route", ir.Route, (c.check_routes, c.check_gateway_is_neighbour), resolve.lower_route,
                  "### `route"),
    StatementKind("nat", "masquerade", ir.Masquerade,
                  (c.check_masquerade, c.check_repeated_masquerade, c.check_masquerade_everything,
                   c.check_masquerade_in_lab, c.check_rule_interfaces, c.check_name_lengths),
                  resolve.lower_masquerade, "### `nat masquerade"),
    StatementKind("forward", "forward", ir.Forward,
                  (c.check_forwards, c.check_forward_reachable, c.check_forward_replies, c.check_rule_interfaces,
                   c.check_name_lengths), resolve.lower_forward, "### `forward"),
    StatementKind("expect", "expect_ping", ir.ExpectPing, (c.check_expectations,), resolve.lower_expectation,
                  "### `expect"),
    StatementKind("expect", "expect_connect", ir.ExpectConnect, (c.check_expectations,), resolve.lower_expectation,
                  "### `expect"),
    StatementKind("ipv6", "ipv6", ir.Ipv6, (c.check_repeated_ipv6,), resolve.lower_nothing, "### `ipv6"),
)

KEYWORDS: tuple[str, ...] = tuple(dict.fromkeys(kind.keyword for kind in REGISTRY))
"""Every statement's first word, in registry order, once each."""

CHECKS: tuple[c.Check, ...] = tuple(dict.fromkeys(check for kind in REGISTRY for check in kind.checks))
"""The checks `run_checks` runs: every check some statement names, once each."""

LOWERING: dict[type[ir.Statement], resolve.Lowering] = {kind.node: kind.lower for kind in REGISTRY}


def statement_rule() -> str:
    """The grammar's `statement` rule: one alternative per registered statement."""
    return "?statement: " + "\n          | ".join(kind.rule for kind in REGISTRY) + "\n"
