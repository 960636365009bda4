"""What every target provides on top of the shared `ip` templates."""

from __future__ import annotations

from typing import Any

from nsgen.compiler.plan import LabPlan


class Target:
    """A target: its name, the tools its scripts need, and the values its firewall templates use."""

    name = ""
    firewall_tools: tuple[str, ...] = ()

    def tools(self, plan: LabPlan) -> list[str]:
        """Commands the scripts call, checked by their preflight."""
        return ["ip", *(self.firewall_tools if plan.has_rules else ())]

    def rules_home(self, plan: LabPlan) -> str:
        """Where the lab's rules live, in words for the script header."""
        raise NotImplementedError

    def firewall_context(self, plan: LabPlan) -> dict[str, Any]:
        """Template values for templates/<name>/*.j2."""
        return {}
