"""The `iptables` target (formerly `bash`): `ip` for the lab, iptables (and ip6tables for IPv6) for
its rules, in lab-named chains."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nsgen.compiler.plan import Forward, LabPlan, family
from nsgen.compiler.symbols import chain_prefix
from nsgen.compiler.targets.base import Target

TOOLS = {4: "iptables", 6: "ip6tables"}
"""The tool of each address family; `-restore` after it loads a ruleset."""


class IptablesTarget(Target):
    """Rules in chains PREFIX-pre (nat PREROUTING), PREFIX-post (nat POSTROUTING), PREFIX-fwd (FORWARD),
    with the same names in iptables and ip6tables: each family's rules in its own tool."""

    name = "iptables"
    firewall_tools = ("iptables", "iptables-save", "iptables-restore")
    families = frozenset({"ipv4", "ipv6"})

    def tools(self, plan: LabPlan) -> list[str]:
        """ip6tables, ip6tables-save and ip6tables-restore too when the lab has IPv6 rules (in the host
        or in a namespace), and the iptables ones only when it has IPv4 ones."""
        found = super().tools(plan)
        families = set(plan.families if plan.has_rules else ()) | {
            af for inside in plan.namespace_rules for af in inside.families}
        if 4 not in families:
            found = [tool for tool in found if tool not in self.firewall_tools]
        if 6 in families:
            found += ["ip6tables", "ip6tables-save", "ip6tables-restore"]
        return found

    def rules_home(self, plan: LabPlan) -> str:
        tools = " and ".join(TOOLS[f] for f in plan.families) or "iptables"
        return f"{tools} chains {chain_prefix(plan.name)}-*"

    def namespace_rules_home(self, plan: LabPlan) -> Callable[[tuple[int, ...]], str]:
        prefix = chain_prefix(plan.name)
        return lambda families: f"{' and '.join(TOOLS[f] for f in families)} chains {prefix}-*"

    def firewall_context(self, plan: LabPlan) -> dict[str, Any]:
        prefix = chain_prefix(plan.name)
        chains = {"prefix": prefix, "pre": f"{prefix}-pre", "post": f"{prefix}-post", "fwd": f"{prefix}-fwd",
                  "out": f"{prefix}-out"}
        jumps = [jump for af in plan.families for jump in _jumps(plan, af, chains)]
        every = [(tool, table, builtin, chain) for tool in TOOLS.values()
                 for table, builtin, chain in (("nat", "PREROUTING", chains["pre"]),
                                               ("nat", "POSTROUTING", chains["post"]),
                                               ("filter", "FORWARD", chains["fwd"]),
                                               ("nat", "OUTPUT", chains["out"]))]
        used = {(tool, chain) for tool, _table, _builtin, chain, _add in jumps}
        # every chain a setup of this lab may have made (an earlier version of the lab file, say,
        # or of either family), and those this version does not use: setup removes them, teardown
        # removes them all
        return {"chains": chains, "jumps": jumps, "lab_chains": every, "tools": TOOLS,
                "ns_chains": namespace_chains(prefix), "local_forwards": local_forwards(plan),
                "ns_chain": {chain.rsplit("-", 1)[1]: (table, builtin, chain, add)
                             for table, builtin, chain, add in namespace_chains(prefix)},
                "lab_chain_keys": [f"{tool}:{chain}" for tool, _table, _builtin, chain in every],
                "unused_chains": [f"{tool}:{chain}" for tool, _table, _builtin, chain in every
                                  if (tool, chain) not in used]}


def _jumps(plan: LabPlan, af: int, chains: dict[str, str]) -> list[tuple[str, str, str, str, str]]:
    """The jumps from the built-in chains to the lab's, in one family: (tool, table, built-in, chain, -A/-I)."""
    tool = TOOLS[af]
    jumps = []
    local = [f for f in local_forwards(plan) if family(f.target) == af]
    if any(family(f.target) == af for f in plan.forwards):
        jumps.append((tool, "nat", "PREROUTING", chains["pre"], "-A"))
    if local:  # the host's own connections (OUTPUT)
        jumps.append((tool, "nat", "OUTPUT", chains["out"], "-A"))
    if any(family(m.subnet) == af for m in plan.masquerades) or local:  # local forwards: the hairpin's masquerade
        jumps.append((tool, "nat", "POSTROUTING", chains["post"], "-A"))
    # Inserted first, so a FORWARD policy or rule that drops (Docker's, say) does not block the lab.
    jumps.append((tool, "filter", "FORWARD", chains["fwd"], "-I"))
    return jumps


def local_forwards(plan: LabPlan) -> tuple[Forward, ...]:
    """The host's forwards without `in`: they also take the host's own connections (nat OUTPUT) and,
    masqueraded, those of clients on the target's own subnet (hairpin)."""
    return tuple(forward for forward in plan.forwards if forward.in_interface is None)


def namespace_chains(prefix: str) -> list[tuple[str, str, str, str]]:
    """The lab's chains inside a namespace: (table, built-in chain, chain, how its jump is added).
    A namespace gets those its rules use (NamespaceRules.chains_of); a guarded setup removes the
    others an earlier version of the lab file made there (`ns_restore`). The filter ones are
    inserted first, so that the namespace's own rules do not drop what the lab accepts."""
    return [("nat", "PREROUTING", f"{prefix}-pre", "-A"), ("nat", "OUTPUT", f"{prefix}-out", "-A"),
            ("nat", "POSTROUTING", f"{prefix}-post", "-A"), ("filter", "FORWARD", f"{prefix}-fwd", "-I"),
            ("filter", "INPUT", f"{prefix}-in", "-I")]
