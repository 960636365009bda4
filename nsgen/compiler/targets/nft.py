"""The `nft` target: `ip` for the lab, one atomic `nft -f` ruleset in a lab-named table."""

from __future__ import annotations

from typing import Any

from nsgen.compiler.plan import LabPlan
from nsgen.compiler.targets.base import Target
from nsgen.compiler.targets.iptables import local_forwards


class NftTarget(Target):
    """Rules of both families in `table inet nsgen-LAB`, replaced whole on each load."""

    name = "nft"
    firewall_tools = ("nft",)
    families = frozenset({"ipv4", "ipv6"})

    def rules_home(self, plan: LabPlan) -> str:
        return f"nft table inet {table_name(plan)}"

    def firewall_context(self, plan: LabPlan) -> dict[str, Any]:
        return {"table": table_name(plan), "local_forwards": local_forwards(plan)}


def table_name(plan: LabPlan) -> str:
    """The lab's own nft table (nft allows long names)."""
    return f"nsgen-{plan.name}"
