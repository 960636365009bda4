"""The `iptables` target (formerly `bash`): `ip` for the lab, iptables for NAT, in lab-named chains."""

from __future__ import annotations

from typing import Any

from nsgen.compiler.plan import Forward, LabPlan
from nsgen.compiler.symbols import chain_prefix
from nsgen.compiler.targets.base import Target


class IptablesTarget(Target):
    """Rules in chains PREFIX-pre (nat PREROUTING), PREFIX-post (nat POSTROUTING), PREFIX-fwd (FORWARD)."""

    name = "iptables"
    firewall_tools = ("iptables", "iptables-restore")

    def rules_home(self, plan: LabPlan) -> str:
        return f"chains {chain_prefix(plan.name)}-*"

    def firewall_context(self, plan: LabPlan) -> dict[str, Any]:
        prefix = chain_prefix(plan.name)
        chains = {"prefix": prefix, "pre": f"{prefix}-pre", "post": f"{prefix}-post", "fwd": f"{prefix}-fwd",
                  "out": f"{prefix}-out"}
        jumps = []
        if plan.forwards:
            jumps.append(("nat", "PREROUTING", chains["pre"], "-A"))
        if local_forwards(plan):  # the host's own connections (OUTPUT)
            jumps.append(("nat", "OUTPUT", chains["out"], "-A"))
        if plan.masquerades or local_forwards(plan):  # local forwards: the hairpin's masquerade
            jumps.append(("nat", "POSTROUTING", chains["post"], "-A"))
        if plan.has_rules:
            # Inserted first, so a FORWARD policy or rule that drops (Docker's, say) does not block the lab.
            jumps.append(("filter", "FORWARD", chains["fwd"], "-I"))
        every = [("nat", "PREROUTING", chains["pre"]), ("nat", "POSTROUTING", chains["post"]),
                 ("filter", "FORWARD", chains["fwd"]), ("nat", "OUTPUT", chains["out"])]
        used = {chain for _table, _builtin, chain, _add in jumps}
        # every chain a setup of this lab may have made (an earlier version of the lab file, say),
        # and those this version does not use: setup removes them, teardown removes them all
        return {"chains": chains, "jumps": jumps, "lab_chains": every, "ns_chains": namespace_chains(prefix),
                "local_forwards": local_forwards(plan),
                "unused_chains": [chain for _table, _builtin, chain in every if chain not in used]}


def local_forwards(plan: LabPlan) -> tuple[Forward, ...]:
    """The host's forwards without `in`: they also take the host's own connections (nat OUTPUT) and,
    masqueraded, those of clients on the target's own subnet (hairpin)."""
    return tuple(forward for forward in plan.forwards if forward.in_interface is None)


def namespace_chains(prefix: str) -> list[tuple[str, str, str, str]]:
    """The lab's chains inside a namespace: (table, built-in chain, chain, how its jump is added).
    Every one is made and hooked whatever the namespace's rules use, so that a setup of an edited
    lab flushes what an earlier one put there; the filter ones are inserted first, so that the
    namespace's own rules do not drop what the lab accepts."""
    return [("nat", "PREROUTING", f"{prefix}-pre", "-A"), ("nat", "OUTPUT", f"{prefix}-out", "-A"),
            ("nat", "POSTROUTING", f"{prefix}-post", "-A"), ("filter", "FORWARD", f"{prefix}-fwd", "-I"),
            ("filter", "INPUT", f"{prefix}-in", "-I")]
