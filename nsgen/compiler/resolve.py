"""Lower checked IR into the plan: each statement through its kind's lowering (see `statements`).

This module holds what every lowering shares: the context it may look at, how a plan item cites
its statement, and `lower`, which runs the lowerings and sorts their items into the plan.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, TypeVar

from nsgen.compiler import ir, plan
from nsgen.compiler.symbols import Symbols


def origin_of(statement: ir.Statement) -> plan.Origin:
    """How scripts cite a statement: `file:line` and its text."""
    line = statement.span.line
    return plan.Origin(f"{script_name(statement.span.file)}:{line}", statement.source, line)


@functools.cache
def script_name(file: str) -> str:
    """The lab file's name as scripts cite it: no folders, and only characters safe in any quoting."""
    name = PurePath(file).name if file not in ("-", "") else "<stdin>"
    return name if name == "<stdin>" else re.sub(r"[^A-Za-z0-9_.,+@=-]", "_", name)


@dataclass(frozen=True)
class Context:
    """What lowering one statement may look at: the lab's symbols, and whether its interfaces in
    namespaces get `addrgenmode none` (`quiet`: the lab has no `ipv6 link-local`)."""

    symbols: Symbols
    quiet: bool


PlanItem = (plan.Namespace | plan.Bridge | plan.Veth | plan.Route | plan.Masquerade | plan.Forward | plan.Expectation
            | plan.Address | plan.Sysctl | plan.Vxlan | plan.Macvlan | plan.Process | plan.Isolation | plan.Allow
            | plan.Tunnel | plan.AddressForward | plan.Redirect | plan.RouterFilter | plan.Pass)
Lowering = Callable[[Any, Context], Iterable[PlanItem]]
"""A statement kind's lowering: one statement in, the plan items it makes out."""

T = TypeVar("T")


def lower(program: ir.Program, symbols: Symbols, lowering: Mapping[type[ir.Statement], Lowering],
          source: str | None = None) -> plan.LabPlan:
    """The plan of a program that passed its checks: each statement lowered by its kind's
    lowering (from the statement registry), the items sorted into the plan's fields. `source`
    is the lab file's identity (see LabPlan.source; default: its name)."""
    context = Context(symbols, quiet=not any(isinstance(s, ir.Ipv6) for s in program.statements))
    items = [item for statement in program.statements for item in lowering[type(statement)](statement, context)]

    def of(kind: type[T] | tuple[type, ...]) -> tuple[T, ...]:
        return tuple(item for item in items if isinstance(item, kind))  # type: ignore[misc]

    bridges: tuple[plan.Bridge, ...] = of(plan.Bridge)
    return plan.LabPlan(
        name=symbols.lab,
        file=script_name(program.file),
        namespaces=of(plan.Namespace),
        bridges=tuple(b for b in bridges if not b.implicit) + tuple(b for b in bridges if b.implicit),
        veths=of(plan.Veth),
        routes=of(plan.Route),
        masquerades=tuple(m for m in of(plan.Masquerade) if m.netns is None),
        forwards=tuple(f for f in of(plan.Forward) if f.netns is None),
        expectations=of((plan.PingExpectation, plan.ConnectExpectation)),
        source=source if source is not None else script_name(program.file),
        addresses=of(plan.Address),
        # the forwarding `nat NS`/`forward NS` lines set after every other sysctl (as `nsgen fmt`
        # puts them after `router`), so the plan does not depend on where the lines are written
        sysctls=tuple(sorted(of(plan.Sysctl), key=lambda sysctl: sysctl.reason == plan.NAT_FORWARDING)),
        vxlans=of(plan.Vxlan),
        macvlans=of(plan.Macvlan),
        namespace_rules=namespace_rules(of(plan.Masquerade), of(plan.Forward), of(plan.Isolation), of(plan.Allow),
                                        of((plan.AddressForward, plan.Redirect, plan.RouterFilter, plan.Pass))),
        processes=of(plan.Process),
        tunnels=of(plan.Tunnel),
    )


def namespace_rules(masquerades: tuple[plan.Masquerade, ...], forwards: tuple[plan.Forward, ...],
                    isolations: tuple[plan.Isolation, ...] = (), allows: tuple[plan.Allow, ...] = (),
                    routing: tuple[plan.AddressForward | plan.Redirect | plan.RouterFilter | plan.Pass, ...] = (),
                    ) -> tuple[plan.NamespaceRules, ...]:
    """The rules of each namespace that has some, in the order the namespaces first get one (an
    `allow` into a namespace that is not isolated puts no rule there, nor an `allow ... via` one
    through a router that does not deny)."""
    isolated = {i.netns: i for i in reversed(isolations)}
    filters = {f.netns: f for f in reversed(routing) if isinstance(f, plan.RouterFilter)}
    passes = tuple(p for p in routing if isinstance(p, plan.Pass) and p.netns in filters)
    others = tuple(r for r in routing if not isinstance(r, (plan.Pass, plan.RouterFilter)))
    rules: list[plan.Masquerade | plan.Forward | plan.Isolation | plan.Allow | plan.AddressForward | plan.Redirect
                | plan.RouterFilter | plan.Pass] = [
        *masquerades, *forwards, *isolations, *(a for a in allows if a.netns in isolated), *others,
        *filters.values(), *passes]
    places = sorted({rule.netns: rule.origin.line for rule in sorted(rules, key=lambda r: -r.origin.line)
                     if rule.netns is not None}.items(), key=lambda item: item[1])
    return tuple(plan.NamespaceRules(
        netns, tuple(m for m in masquerades if m.netns == netns), tuple(f for f in forwards if f.netns == netns),
        isolated.get(netns), tuple(a for a in allows if a.netns == netns and netns in isolated),
        tuple(f for f in others if isinstance(f, plan.AddressForward) and f.netns == netns),
        tuple(r for r in others if isinstance(r, plan.Redirect) and r.netns == netns),
        filters.get(netns), tuple(p for p in passes if p.netns == netns))
        for netns, _line in places)


def lower_nothing(statement: ir.Statement, context: Context) -> Iterable[PlanItem]:
    """For statements that set something for the whole lab (`lab`, `ipv6`): nothing of their own."""
    return ()
