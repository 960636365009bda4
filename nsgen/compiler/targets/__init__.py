"""Targets: how a plan becomes scripts. One module per target, one row in TARGETS.

Every target shares the `ip` part (templates/common/) and brings its own firewall
templates (templates/<target>/): firewall.sh.j2, remove_rules.sh.j2, rules.j2, inspect_rules.sh.j2.
"""

from __future__ import annotations

from typing import Any

from nsgen.compiler.plan import LabPlan
from nsgen.compiler.render import render_template
from nsgen.compiler.styles import STYLES, style_context
from nsgen.compiler.targets.base import Target
from nsgen.compiler.targets.iptables import IptablesTarget
from nsgen.compiler.targets.nft import NftTarget

TARGETS: dict[str, Target] = {target.name: target for target in (IptablesTarget(), NftTarget())}
SCRIPTS = ("setup", "down", "inspect")


def get_target(name: str) -> Target:
    """The target called `name`; KeyError names the known ones."""
    if name not in TARGETS:
        raise KeyError(f"unknown target {name!r}; known: {', '.join(TARGETS)}")
    return TARGETS[name]


def render(plan: LabPlan, target: str, script: str, style: str = "default") -> str:
    """The `setup`, `down` or `inspect` script of a plan for a target, in a style."""
    if script not in SCRIPTS:
        raise ValueError(f"unknown script {script!r}; known: {', '.join(SCRIPTS)}")
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; known: {', '.join(STYLES)}")
    chosen = get_target(target)
    folder = "common" if style == "default" or script == "inspect" else style
    return render_template(f"{folder}/{script}.sh.j2", _context(plan, chosen, script, style))


def ruleset(plan: LabPlan, target: str) -> str:
    """The firewall input the setup script loads: iptables-restore text or an nft file."""
    chosen = get_target(target)
    return render_template(f"{chosen.name}/rules.j2", _context(plan, chosen, "setup", "default"))


def _context(plan: LabPlan, target: Target, script: str, style: str) -> dict[str, Any]:
    return {
        "plan": plan,
        "target": target,
        "style": style,
        "title": {"setup": "Setup", "down": "Teardown", "inspect": "Inspection"}[script],
        "verb": {"setup": "setup", "down": "teardown", "inspect": "inspection"}[script],
        "about": _about(plan, target, script),
        "tools": target.tools(plan) + _style_tools(plan, script, style),
        "state_dir": f"/run/nsgen/{plan.name}",
        **target.firewall_context(plan),
        **style_context(plan, style),
    }


def _style_tools(plan: LabPlan, script: str, style: str) -> list[str]:
    """Tools the scripts' helpers call: awk filters and splits batches and watches veths go;
    xargs runs namespace batches side by side; nsenter enters namespaces."""
    tools = []
    if style == "batch" or (script == "down" and any(v.inner.netns for v in plan.host_veths)):
        tools.append("awk")
    if style == "batch" and script == "setup":
        tools += ["xargs", "nsenter"]
    return tools


def _count(items: tuple[object, ...], one: str, many: str) -> str | None:
    return None if not items else f"{len(items)} {one if len(items) == 1 else many}"


def _about(plan: LabPlan, target: Target, script: str) -> list[str]:
    """The header lines that say what the script does."""
    parts = [_count(plan.namespaces, "namespace", "namespaces"), _count(plan.bridges, "bridge", "bridges"),
             _count(plan.veths, "veth pair", "veth pairs"), _count(plan.routes, "route", "routes")]
    made = ", ".join(p for p in parts if p) or "nothing"
    rules = f"; firewall rules in {target.rules_home(plan)}" if plan.has_rules else ""
    if script == "down":
        return [f"Removes what the setup script creates ({made}{rules}), in reverse order,",
                "and restores net.ipv4.ip_forward. Running it again is harmless."]
    return [f"Creates {made}{rules}.",
            "Run it as root. Running it again changes nothing. If a step fails, it names the",
            "lab-file line, removes what this run created and exits non-zero.",
            f"Undo the lab with the script from: nsgen down{' -t ' + target.name if target.name != 'bash' else ''} "
            f"{plan.file}"]
