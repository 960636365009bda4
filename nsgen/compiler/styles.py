"""Output styles. `default`: one readable command per step. `batch`: the same lab in few processes.

The batch style needs the plan regrouped: one `ip -batch` for the host and one per namespace,
each namespace's steps in the order they must run (loopback, interfaces, then routes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nsgen.compiler import plan as p

STYLES = ("default", "batch")
BATCH_JOBS = 8
"""How many namespace batches run at once (each is one nsenter + ip process)."""


@dataclass(frozen=True)
class NamespaceStep:
    """One statement's share of a namespace's batch: `kind` names its template in templates/batch/ns/."""

    kind: str
    origin: p.Origin
    item: Any
    end: p.VethEnd | None = None


@dataclass(frozen=True)
class NamespaceBatch:
    """Everything done inside one namespace, in order."""

    name: str
    steps: tuple[NamespaceStep, ...]


def namespace_batches(plan: p.LabPlan) -> list[NamespaceBatch]:
    """One batch per namespace: `lo` up, then its veth ends, then its routes."""
    steps: dict[str, list[NamespaceStep]] = {
        ns.name: [NamespaceStep("namespace", ns.origin, ns)] for ns in plan.namespaces}
    for veth in plan.veths:
        for end in (veth.outer, veth.inner):
            if end.netns is not None:
                steps[end.netns].append(NamespaceStep("veth_end", veth.origin, veth, end))
    for route in plan.routes:
        if route.netns is not None:
            steps[route.netns].append(NamespaceStep("route", route.origin, route))
    return [NamespaceBatch(name, tuple(items)) for name, items in steps.items()]


def style_context(plan: p.LabPlan, style: str) -> dict[str, Any]:
    """Template values a style needs beyond the plan."""
    if style != "batch":
        return {"links_in_batches": False}
    return {
        "links_in_batches": True,
        "batches": namespace_batches(plan),
        "host_veths_created": [v for v in plan.veths if v.outer.netns is None],
        "direct_veths": [v for v in plan.veths if v.outer.netns is not None],
        "batch_jobs": BATCH_JOBS,
    }
