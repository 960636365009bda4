"""Targets: how a plan becomes scripts. One module per target, one row in TARGETS.

Every target shares the step templates (templates/steps/) and the styles (templates/<style>/),
and brings its own firewall templates (templates/<target>/).
"""

from __future__ import annotations

import functools
import ipaddress
import re
import textwrap
from collections.abc import Iterator
from typing import Any

from nsgen.compiler import ir
from nsgen.compiler.diagnostics import Diagnostic, error
from nsgen.compiler.plan import LabPlan
from nsgen.compiler.render import render_marked, render_template, unmark, without_values
from nsgen.compiler.steps import (
    AddLink,
    AddNamespace,
    AddOvsBridge,
    AddRoute,
    LoadNamespaceRules,
    LoadRules,
    SetSysctl,
    Steps,
    lower,
)
from nsgen.compiler.styles import STYLES, style_context
from nsgen.compiler.targets.base import Target
from nsgen.compiler.targets.iptables import IptablesTarget
from nsgen.compiler.targets.nft import NftTarget

TARGETS: dict[str, Target] = {target.name: target for target in (IptablesTarget(), NftTarget())}
TARGET_ALIASES = {"bash": "iptables"}
"""Old names still accepted: `bash` was the iptables target's name before it had a second target."""
SCRIPTS = ("setup", "down", "inspect", "plan")
NAMES_SHOWN = 6
"""How many names of one kind a script's summary lists before it says how many more there are."""


def get_target(name: str) -> Target:
    """The target called `name` (or an alias of it); KeyError names the known ones."""
    name = TARGET_ALIASES.get(name, name)
    if name not in TARGETS:
        raise KeyError(f"unknown target {name!r}; known: {', '.join(TARGETS)}")
    return TARGETS[name]


# what a target cannot express -------------------------------------------------------------------

_OPTIONS = {"out_interface": "out", "in_interface": "in", "mtu": "mtu", "addresses": "ip", "seen_from": "from"}
"""IR fields that hold an option, and the option's word in the language."""


def unsupported(program: ir.Program, target: Target) -> list[Diagnostic]:
    """E150 for each statement, option or address family of the lab that `target` cannot express:
    refused before anything is rendered, so no half-written script comes out."""
    from nsgen.compiler.statements import REGISTRY

    rule_of = {kind.node: kind.rule for kind in REGISTRY}
    others = [name for name, other in TARGETS.items() if other is not target]
    hint = f"use another target ({', '.join('-t ' + name for name in others)})" if others else None
    missing = {"ipv4", "ipv6"} - set(target.families)
    found = []
    for statement in program.statements:
        rule = rule_of[type(statement)]
        if target.statements is not None and rule not in target.statements:
            found.append(error("E150", f"target {target.name} cannot express `{rule.replace('_', ' ')}`",
                               statement.span, hint))
            continue
        for option, word in _options(statement):
            if target.options is not None and option not in target.options:
                found.append(error("E150", f"target {target.name} cannot express the option `{option}`",
                                   word.span, hint))
        for family, word in _families(statement, missing) if missing else ():
            found.append(error("E150", f"target {target.name} cannot express {family} addresses",
                               word.span, hint))
    return found


def _options(statement: ir.Statement) -> Iterator[tuple[str, ir.Word | ir.Number]]:
    for name, option in _OPTIONS.items():
        value = getattr(statement, name, None)
        values = value if isinstance(value, tuple) else (value,)
        for item in values:
            if isinstance(item, (ir.Word, ir.Number)):
                yield option, item


def _families(statement: ir.Statement, missing: set[str]) -> Iterator[tuple[str, ir.Word]]:
    """The addresses the statement holds (written with or without prefix) whose family is in
    `missing`, with it. Only words that may be such an address are parsed (a big lab has thousands)."""
    for value in vars(statement).values():
        for item in value if isinstance(value, tuple) else (value,):
            if isinstance(item, ir.Word) and ("ipv6" if ":" in item.text else "ipv4") in missing:
                family = address_family(item.text)
                if family in missing:
                    yield family, item


@functools.lru_cache(maxsize=65536)
def address_family(text: str) -> str | None:
    """`ipv4` or `ipv6` for an address (with or without prefix), None for any other word."""
    if not text[:1].isdigit() and ":" not in text:
        return None  # a name: no address starts with a letter unless it is IPv6 (and has a colon)
    try:
        return f"ipv{ipaddress.ip_interface(text).version}"
    except ValueError:
        return None


def render(plan: LabPlan, target: str, script: str, style: str = "default") -> str:
    """The `setup`, `down`, `inspect` or `plan` script of a lab plan for a target, in a style."""
    if script not in SCRIPTS:
        raise ValueError(f"unknown script {script!r}; known: {', '.join(SCRIPTS)}")
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; known: {', '.join(STYLES)}")
    chosen = get_target(target)
    steps = lower(plan)
    context = _context(plan, steps, chosen, script, style)
    if script in ("inspect", "plan"):
        return render_template(f"{script}.sh.j2", context)
    if style == "plain":
        return render_template(f"{style}/{script}.sh.j2", context)
    return unmark(_with_helpers(_indent_main(render_marked(f"{style}/{script}.sh.j2", context)), context))


def ruleset(plan: LabPlan, target: str, family: int = 4) -> str:
    """The firewall input the setup script loads: iptables-restore text of one address family (the
    IPv6 one goes to ip6tables-restore) or the nft file (both families in one)."""
    chosen = get_target(target)
    steps = lower(plan)
    return render_template(f"{chosen.name}/rules.j2", {**_context(plan, steps, chosen, "setup", "default"),
                                                        "af": family})


def namespace_ruleset(plan: LabPlan, target: str, netns: str, family: int = 4) -> str:
    """The firewall input the setup script loads inside namespace `netns`: for iptables, the
    iptables-restore text of one address family (IPv6: ip6tables-restore's) with the jumps to the
    lab's chains (as the plain style loads it; the guarded styles add those missing), for nft the one file."""
    chosen = get_target(target)
    steps = lower(plan)
    step = next(s for s in steps.of(LoadNamespaceRules) if s.netns == netns)
    return render_template(f"{chosen.name}/ns_rules.j2", {**_context(plan, steps, chosen, "setup", "default"),
                                                           "step": step, "af": family, "guarded": False})


def _context(plan: LabPlan, steps: Steps, target: Target, script: str, style: str) -> dict[str, Any]:
    return {
        "plan": plan,
        "target": target,
        "style": style,
        "title": {"setup": "Setup", "down": "Teardown", "inspect": "Inspection", "plan": "Plan"}[script],
        "verb": {"setup": "setup", "down": "teardown", "inspect": "inspection", "plan": "plan"}[script],
        "about": _about(plan, steps, target, script, style),
        "state_dir": steps.state_dir,
        **target.firewall_context(plan),
        **style_context(steps, style, script, target.rules_home(plan), target.namespace_rules_home(plan)),
    }


# the summary at the top of each script --------------------------------------------------------


def _listed(items: list[str], separator: str = ", ") -> str:
    """The first NAMES_SHOWN items, and how many more there are."""
    more = f" and {len(items) - NAMES_SHOWN} more" if len(items) > NAMES_SHOWN else ""
    return separator.join(items[:NAMES_SHOWN]) + more


def _names(kind: str, kinds: str, names: list[str]) -> str | None:
    return f"{kind if len(names) == 1 else kinds} {_listed(names)}" if names else None


def _made(plan: LabPlan, steps: Steps, target: Target, brief: bool = False) -> list[str]:
    """What setup creates, named: namespaces, bridges, veth pairs, macvlans, routes, rules, sysctls.
    `brief` (the plain style's setup, whose every command has its lab line above it): the routes by
    namespace only, the rules by where they live only."""
    links = steps.of(AddLink)
    parts = [
        _names("namespace", "namespaces", [s.name for s in steps.of(AddNamespace)]),
        _names("bridge", "bridges", [s.ifname for s in links if s.type == "bridge"]),
        _names("Open vSwitch bridge", "Open vSwitch bridges", [s.name for s in steps.of(AddOvsBridge)]),
        _names("veth pair", "veth pairs", [f"{s.ifname}/{s.peer}" for s in links if s.type == "veth"]),
        _names("macvlan", "macvlans", [f"{s.netns}:{s.ifname}" for s in links if s.type == "macvlan"]),
        _names("ipvlan", "ipvlans", [f"{s.netns}:{s.ifname}" for s in links if s.type == "ipvlan"]),
        _names("tunnel", "tunnels",
               [f"{s.type} {(s.netns + ':') if s.netns else ''}{s.ifname}" for s in links if s.tunnel]),
        _routes(steps.of(AddRoute), brief),
    ]
    if steps.of(LoadRules) and brief:
        parts.append(target.rules_home(plan))
    elif steps.of(LoadRules):
        rules = [f"accept across {b.name}" for b in plan.bridged]
        rules += [f"masquerade {m.subnet}" for m in plan.masquerades]
        rules += [f"{f.protocol} {f.port} -> {_bracketed(f.target)}:{f.target_port}" for f in plan.forwards]
        parts.append(f"rules in {target.rules_home(plan)} ({_listed(rules)})")
    for inside in plan.namespace_rules:
        rules = [f"masquerade {m.subnet}" for m in inside.masquerades]
        rules += [f"{f.protocol} {f.port} -> {_bracketed(f.target)}:{f.target_port}" for f in inside.forwards]
        rules += [f"{f.address} -> {f.target}" for f in inside.address_forwards]
        rules += [f"redirect {r.protocol} {r.port} -> {r.to_port}" for r in inside.redirects]
        if inside.router_filter is not None:
            rules.append(f"forwarding denied, {len(inside.passes)} flow{'' if len(inside.passes) == 1 else 's'} "
                         "allowed")
        if inside.isolation is not None:
            rules.append(f"isolated, {len(inside.allows)} allow{'' if len(inside.allows) == 1 else 's'}")
        parts.append(f"rules in namespace {inside.netns} ({_listed(rules)})")
    parts += [f"{s.key}={s.value}" for s in steps.of(SetSysctl)]
    parts += [f"process `{' '.join(p.argv)}` in {p.netns}" for p in plan.processes]
    return [p for p in parts if p]


def _bracketed(address: str) -> str:
    """An address as written before `:PORT`: an IPv6 one in brackets."""
    return f"[{address}]" if ":" in address else address


def _routes(routes: list[AddRoute], brief: bool = False) -> str | None:
    """`routes in blue to 10.0.0.0/8, default; in red to default` (`brief`: `routes in blue, red`)."""
    where: dict[str, list[str]] = {}
    for route in routes:
        where.setdefault(route.netns or "the host", []).append(route.destination)
    if brief and where:
        return f"{'route' if len(routes) == 1 else 'routes'} in {_listed(list(where))}"
    places = [f"in {name} to {', '.join(destinations)}" for name, destinations in where.items()]
    return f"{'route' if len(routes) == 1 else 'routes'} {_listed(places, '; ')}" if places else None


def _about(plan: LabPlan, steps: Steps, target: Target, script: str, style: str) -> list[str]:
    """The header lines that say what the script does, naming what it creates."""
    made = "; ".join(_made(plan, steps, target)) or "nothing"
    if script == "setup":
        if style == "plain":
            brief = "; ".join(_made(plan, steps, target, brief=True)) or "nothing"
            return _wrap(f"Creates {brief}.") + _wrap(_how(plan, target, style))
        return _wrap(f"Creates {made}.") + _wrap(_how(plan, target, style))
    if script == "down":
        again = (" Plain style: run it once, after the plain setup ran to its end." if style == "plain"
                 else " Running it again is harmless.")
        return _wrap(f"Removes what the setup script creates ({made}), in reverse order, and restores the "
                     f"sysctls it set.{again}")
    return []


def _wrap(text: str) -> list[str]:
    return textwrap.wrap(text, 100, break_on_hyphens=False, break_long_words=False)


def _how(plan: LabPlan, target: Target, style: str) -> str:
    """How to run a setup script, what it promises, and how to undo it."""
    down = f"nsgen down{' -t ' + target.name if target.name != 'iptables' else ''}" \
           f"{' --style plain' if style == 'plain' else ''} {plan.file}"
    if style == "plain":
        return f"No checks or rollback: run it once, as root. Undo: {down}"
    return ("Run it as root. Running it again changes nothing. If a step fails, it names the lab-file "
            f"line, removes what this run created and exits non-zero. Undo: {down}")


# layout: main first, helpers after it ------------------------------------------------------------

_HEREDOC = re.compile(r"<<-?\s*'?([A-Za-z_]+)'?")
_MAIN_START = "main() {\n"


def _indent_main(text: str) -> str:
    """Indent the body of `main() { ... }` by two spaces, leaving here-documents as they are."""
    head, found, rest = text.partition(_MAIN_START)
    if not found:
        return text
    lines = rest.split("\n")
    out: list[str] = []
    terminator = None
    for number, line in enumerate(lines):
        if terminator is not None:
            out.append(line)
            if line == terminator:
                terminator = None
            continue
        if line == "}":  # the end of main (a `}` alone, outside any here-document)
            return head + found + "\n".join(out + lines[number:])
        out.append("  " + line if line else line)
        opened = _HEREDOC.search(line) if not line.lstrip().startswith("#") else None
        if opened:
            terminator = opened.group(1)
    raise ValueError("main() has no end")


HELPERS = (
    "preflight", "need_tool", "lock_lab", "take_lock", "lock_host", "forget_lab", "converge", "record", "claim",
    "undo_push",
    "rollback", "on_error", "hold_signals", "release_signals", "created", "have_netns", "have_link",
    "have_own_link", "keep_prior", "have_route", "mark_made_links", "netns_exists", "lab_netns", "lab_made", "made_now",
    "lab_owns", "link_exists", "link_is", "link_gone", "has_route", "lab_link", "has_mark", "sysctl_agrees",
    "release_sysctl",
    "put_back", "remove_rules", "remove_ns_rules", "ns_restore",
    "veths_gone", "lab_objects", "filter_batch", "batch_failure", "explain_failures", "run_batch",
    "run_removals", "undo_created", "confirm_created", "ns_batches", "keep_routes", "batch_keys", "record_batch",
    "start_process", "stop_process", "process_is", "process_start",
    "claim_ovs_bridge", "claim_ovs_port", "ovs_batch", "ovs_userspace", "keep_vlans", "has_vlan", "bridge_batch",
)
"""Shell functions scripts may call, in the order they are written after `main`; each is
templates/helpers/<name>.sh.j2 (remove_rules, remove_ns_rules, ns_restore: the target's). A script carries
only those it calls."""

def _code(line: str) -> str:
    """A line of shell without its comment and the literal text of its double-quoted strings
    (messages); command substitutions inside them stay. Single-quoted text stays too: in these
    scripts it is code run later (trap handlers, awk programs)."""
    out: list[str] = []
    quote, depth, previous = "", 0, " "
    for char in line:
        if quote == "'":
            quote = "" if char == "'" else quote
            out.append(char)
        elif quote == '"' and depth == 0:
            if char == '"':
                quote = ""
            elif char == "(" and previous == "$":
                depth = 1
        elif depth:
            depth += {"(": 1, ")": -1}.get(char, 0)
            out.append(char)
        elif char in "'\"":
            quote = char
        elif char == "#" and previous in " \t":
            break
        else:
            out.append(char)
        previous = char
    return "".join(out)


def _words(text: str) -> set[str]:
    """The words of the templates' own code in rendered `text`: printed values (what the lab
    wrote), comments and the literal text of messages left out."""
    lines = set(without_values(text).split("\n"))  # without their values, a big lab's lines repeat
    return {word for line in lines for word in re.findall(r"[A-Za-z_][A-Za-z0-9_-]*", _code(line))}


HELPER_TOOLS = ("awk", "xargs", "nsenter", "flock", "mountpoint", "setsid")
"""Commands besides `ip` and the firewall's that scripts call; the preflight checks those a script's
code uses."""


def _helper(name: str, context: dict[str, Any]) -> str:
    folder = context["target"].name if name in ("remove_rules", "remove_ns_rules", "ns_restore") else "helpers"
    return render_marked(f"{folder}/{name}.sh.j2", {**context, "guarded": True})


def _with_helpers(text: str, context: dict[str, Any]) -> str:
    """Put the helpers the script calls (and those they call) after `main`, before its call. The
    preflight, written last, checks every tool that code calls."""
    needed: dict[str, str] = {}

    def add(names: set[str]) -> None:
        pending = set(names)
        while pending:
            name = pending.pop()
            if name not in needed:
                needed[name] = "" if name == "preflight" else _helper(name, context)
                pending |= (_words(needed[name]) & set(HELPERS)) - set(needed)

    add(_words(text) & set(HELPERS))
    if "preflight" in needed:
        code = _words(text + "".join(needed.values()))
        tools = context["target"].tools(context["plan"]) + [tool for tool in HELPER_TOOLS if tool in code]
        needed["preflight"] = _helper("preflight", {**context, "tools": tools})
        add(_words(needed["preflight"]) & set(HELPERS))
    body = "".join("\n" + needed[name] for name in HELPERS if name in needed)
    head, found, tail = text.rpartition('\nmain "$@"\n')
    if not found:
        raise ValueError("a script template must end with `main \"$@\"`")
    return head + body + found + tail
