"""What every target provides on top of the shared `ip` steps: its firewall, and what it supports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nsgen.compiler.plan import LabPlan


class Target:
    """A target: its name, the tools its firewall needs, and the values its firewall templates use.

    Its templates live in templates/<name>/: load_rules.sh.j2 (load the lab's rules in one
    transaction), rules_present.j2 (a test: are the lab's rules loaded?), remove_rules.sh.j2
    (unhook and delete them; guarded unless `plain`), rules.j2 (the ruleset) and inspect_rules.sh.j2;
    for rules inside a namespace, load_ns_rules.sh.j2, ns_rules.j2 and remove_ns_rules.sh.j2.
    """

    name = ""
    firewall_tools: tuple[str, ...] = ()
    statements: frozenset[str] | None = None
    """The grammar rules (statement kinds) it can express; None: every registered one."""
    options: frozenset[str] | None = None
    """The statement options (`in`, `out`, `mtu`, ...) it can express; None: all of them."""
    families: frozenset[str] = frozenset({"ipv4"})
    """The address families its scripts handle."""

    def tools(self, plan: LabPlan) -> list[str]:
        """Commands the scripts call, checked by their preflight."""
        namespace_sysctls = any(sysctl.netns is not None for sysctl in plan.sysctls)
        rules = plan.has_rules or bool(plan.namespace_rules)
        return ["ip", *(self.firewall_tools if rules else ()), *(("sysctl",) if namespace_sysctls else ()),
                *(("ovs-vsctl",) if plan.ovs_bridges else ()),
                *(("bridge",) if any(vxlan.fdb for vxlan in plan.vxlans) else ())]

    def rules_home(self, plan: LabPlan) -> str:
        """Where the lab's rules live, in words for the script header."""
        raise NotImplementedError

    def namespace_rules_home(self, plan: LabPlan) -> Callable[[tuple[int, ...]], str]:
        """Where the lab's rules of some address families live inside a namespace, in words."""
        return lambda families: self.rules_home(plan)

    def firewall_context(self, plan: LabPlan) -> dict[str, Any]:
        """Template values for templates/<name>/*.j2."""
        return {}
