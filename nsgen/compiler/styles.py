"""Output styles: how the one step list (`nsgen.compiler.steps`) becomes a script.

- `default`: one guarded command per step (idempotent, rolled back on failure), a lab statement's
  steps inside one namespace through one `ip -n NS -batch`.
- `batch`: the same steps in few processes: one `ip -batch` for the host, one per namespace
  (entered with nsenter, several at a time); what cannot be batched runs as in `default`.
- `plain`: the tutorial-shaped list of commands, no guards, no rollback, no helpers: for runbooks.

Each style only groups steps; the words of every step come from its one template in templates/steps/.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from nsgen.compiler.steps import (
    AddLink,
    AddNamespace,
    AddOvsBridge,
    AddRoute,
    DeleteLink,
    DeleteNamespace,
    LoadNamespaceRules,
    RemoveNamespaceRules,
    RestoreSysctl,
    SetLink,
    SetSysctl,
    Step,
    Steps,
)

STYLES = ("default", "batch", "plain")
GUARDED_STYLES = ("default", "batch")
"""The styles that promise idempotency, rollback and exact teardown (plain gives them up)."""
BATCH_JOBS = 8
"""How many namespace batches run at once (each is one nsenter + ip process)."""
LOCK_WAIT = 30
"""Seconds a run waits for another run of the same lab (or another lab's host settings) to finish."""

_AFTER_BATCHES = ("load_rules", "load_ns_rules", "set_sysctl", "set_ns_sysctl", "start_process", "tx_offload_off",
                  "add_fdb")
"""Steps the batch style runs after the batches, one by one as the default style does."""

_OWN_BLOCK = ("load_rules", "set_sysctl", "remove_rules", "restore_sysctl", "load_ns_rules", "remove_ns_rules")
"""Steps the lab file does not say one by one; each gets a block (and a step marker) of its own."""


@dataclass(frozen=True)
class Unit:
    """What one template renders: one step, or (`ip_batch`) several steps of one namespace in one
    `ip -n NS -batch -` here-document."""

    steps: tuple[Step, ...]
    ip_batch: bool = False

    @property
    def step(self) -> Step:
        """The unit's (first) step."""
        return self.steps[0]


@dataclass(frozen=True)
class Block:
    """One lab statement's share of a script: its citation (and step marker), then its units."""

    origin_comment: str
    kind: str
    units: tuple[Unit, ...]
    title: str
    """How the script cites the block: its statement, or what the script does there."""

    @property
    def step(self) -> Step:
        """The block's first step."""
        return self.units[0].step


@dataclass(frozen=True)
class NamespaceBatch:
    """Everything done inside one namespace in the batch style, in order."""

    name: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Titles:
    """What block titles need besides the steps: where the rules live, and whether the style is plain."""

    rules_home: str
    plain: bool = False
    namespace_home: Callable[[tuple[int, ...]], str] | None = None
    """Where the target keeps the rules of these families inside a namespace (None: `rules_home`)."""

    def of(self, step: Step) -> str:
        """The title of the block that starts with `step`."""
        if step.kind in ("load_rules", "remove_rules"):
            return f"firewall: {self.rules_home}"
        if step.kind in ("load_ns_rules", "remove_ns_rules"):
            families = step.rules.families if isinstance(step, LoadNamespaceRules) else \
                step.families if isinstance(step, RemoveNamespaceRules) else (4,)
            home = self.namespace_home(families) if self.namespace_home else self.rules_home
            return f"firewall in namespace {step.netns}: {home}"
        if isinstance(step, SetSysctl):
            reason = f" ({step.reason}; the value before is kept for teardown)" if self.plain else ""
            return f"{step.key}={step.value}{reason}"
        if isinstance(step, RestoreSysctl):
            return f"restore {step.key}"
        return step.origin.comment


def blocks(steps: Sequence[Step], titles: Titles, group: bool = True) -> list[Block]:
    """Consecutive steps of one statement form a block; inside it, two or more consecutive steps
    that create nothing in the same namespace form an `ip -batch` unit (when `group`)."""
    found: list[Block] = []
    current: list[Step] = []
    for step in steps:
        if current and _block_key(current[-1]) != _block_key(step):
            found.append(_block(current, titles, group))
            current = []
        current.append(step)
    if current:
        found.append(_block(current, titles, group))
    return found


def _block_key(step: Step) -> tuple[str, str, str]:
    own = step.kind in _OWN_BLOCK
    return (step.origin.comment, step.kind if own else "", (step.netns or "") if own else "")


def _block(steps: list[Step], titles: Titles, group: bool) -> Block:
    units: list[Unit] = []
    run: list[Step] = []

    def flush() -> None:
        if len(run) > 1 and group:
            units.append(Unit(tuple(run), ip_batch=True))
        else:
            units.extend(Unit((step,)) for step in run)
        run.clear()

    for step in steps:
        batchable = not step.creates and step.netns is not None and step.ip_words
        if run and not (batchable and step.netns == run[-1].netns):
            flush()
        if batchable:
            run.append(step)
        else:
            flush()
            units.append(Unit((step,)))
    flush()
    return Block(steps[0].origin.comment, steps[0].kind, tuple(units), titles.of(steps[0]))


# batch style ------------------------------------------------------------------------------------


def _batch_setup(steps: Steps, titles: Titles) -> dict[str, Any]:
    """Host steps into one keyed `ip -batch`; links made inside a namespace (their peer goes to
    another) one by one before the namespace batches; Open vSwitch bridges and ports in one
    ovs-vsctl transaction; the VLANs of Linux bridge ports in one `bridge -batch` per namespace;
    routes, rules and sysctls of the host, sysctls of namespaces (not `ip` commands) and what needs
    an Open vSwitch bridge there (its link, TX offload off), after."""
    host, before, after, ovs = [], [], [], []
    inside: dict[str, list[Step]] = {}
    vlans: dict[str, list[Step]] = {}
    switches = {step.name for step in steps.setup if isinstance(step, AddOvsBridge)}
    for step in steps.setup:
        if step.kind in ("add_ovs_bridge", "add_ovs_port"):
            ovs.append(step)
        elif step.kind == "bridge_vlan":  # once its bridges and ports are made, wherever they are
            vlans.setdefault(step.netns or "", []).append(step)
        elif step.kind in _AFTER_BATCHES or (isinstance(step, AddRoute) and step.netns is None) \
                or (step.netns is None and getattr(step, "ifname", None) in switches):  # after its OVS bridge
            after.append(step)
        elif isinstance(step, AddLink) and step.netns is not None:
            before.append(step)
        elif step.netns is None:
            host.append(step)
        else:
            inside.setdefault(step.netns, []).append(step)
    return {
        "host_batch": host,
        "before": blocks(before, titles),
        "batches": [NamespaceBatch(name, tuple(items)) for name, items in inside.items()],
        "ovs_batch": ovs,
        "vlan_batches": [NamespaceBatch(name, tuple(items)) for name, items in vlans.items()],
        "after": blocks(after, titles),
        "batch_jobs": BATCH_JOBS,
    }


def _batch_teardown(steps: Steps, titles: Titles) -> dict[str, Any]:
    """Namespaces in one `ip -batch`, the host's links in another; rules, routes, sysctls as usual."""
    namespaces = [s for s in steps.teardown if isinstance(s, DeleteNamespace)]
    links = [s for s in steps.teardown if isinstance(s, DeleteLink) and s.netns is None]
    first = [s for s in steps.teardown
             if s.kind in ("stop_process", "remove_rules", "remove_ns_rules", "del_route", "del_address",
                           "restore_ns_sysctl", "del_ovs_port", "del_ovs_bridge")
             or (isinstance(s, DeleteLink) and s.netns is not None)]
    last = [s for s in steps.teardown if s.kind == "restore_sysctl"]
    return {"first": blocks(first, titles, group=False), "namespace_batch": namespaces, "link_batch": links,
            "last": blocks(last, titles, group=False)}


# context -----------------------------------------------------------------------------------------


def style_context(steps: Steps, style: str, script: str, rules_home: str,
                  namespace_home: Callable[[tuple[int, ...]], str] | None = None) -> dict[str, Any]:
    """Template values a style needs to render one script (`rules_home`: where the target keeps
    the lab's rules, `namespace_home`: those of some families inside a namespace, for the firewall
    blocks' titles)."""
    titles = Titles(rules_home, plain=style == "plain", namespace_home=namespace_home)
    context: dict[str, Any] = {
        "steps": steps,
        "going": _veths_going(steps),
        "lock_wait": LOCK_WAIT,
        "rules_home": rules_home,
    }
    if script == "setup":
        setup = steps.setup if style != "plain" else tuple(_plain_setup(steps))
        context["blocks"] = blocks(setup, titles, group=style != "plain")
        if style == "batch":
            context.update(_batch_setup(steps, titles))
    elif script == "down":
        teardown = steps.teardown if style != "plain" else tuple(_plain_teardown(steps))
        context["blocks"] = blocks(teardown, titles, group=False)
        if style == "batch":
            context.update(_batch_teardown(steps, titles))
    return context


def _veths_going(steps: Steps) -> list[DeleteLink]:
    """Host veth ends whose peers are in namespaces the teardown deletes: the kernel removes them
    with the namespaces, in the background."""
    own = {s.name for s in steps.setup if isinstance(s, AddNamespace)}
    return [s for s in steps.teardown
            if isinstance(s, DeleteLink) and s.type == "veth" and s.peer_netns in own]


def _plain_setup(steps: Steps) -> list[Step]:
    """Plain setup says two steps in one command where the kernel builds the same from it: a Linux
    bridge is made up (`ip link add name BR up type bridge`, with its MTU) when nothing comes between
    its making and its `up`; a veth end's IPv6 address generation mode goes in the request that
    raises it (`ip link set dev END addrgenmode none up`). The kernel raises a link before it reads
    the mode in that request (see SetLink), but a veth end gets no link-local address then: it has
    no carrier yet when it comes up (its operational state changes only after the request), so the
    address waits and comes, or not, by the mode. A VXLAN, a tunnel or a macvlan has its carrier at
    once and would get one: those keep the mode in a request of its own."""
    ends = {(link.netns, link.ifname) for link in steps.of(AddLink) if link.type == "veth"}
    ends |= {(link.peer_netns or link.netns, link.peer) for link in steps.of(AddLink)
             if link.type == "veth" and link.peer}
    found: list[Step] = []
    for step in steps.setup:
        last = found[-1] if found else None
        raise_only = isinstance(step, SetLink) and step.up and not (step.addrgenmode or step.mac or step.fresh_only)
        same = last is not None and (getattr(last, "netns", None), getattr(last, "ifname", None)) == \
            (step.netns, getattr(step, "ifname", None))
        if raise_only and same and isinstance(step, SetLink):
            if isinstance(last, AddLink) and last.type == "bridge" and not last.up and last.master is None:
                found[-1] = replace(last, up=True, mtu=step.mtu or last.mtu, master=step.master)
                continue
            if isinstance(last, SetLink) and last.addrgenmode and not last.up and (step.netns, step.ifname) in ends:
                found[-1] = replace(last, up=True, master=step.master, mtu=step.mtu)
                continue
        found.append(step)
    return found


def _plain_teardown(steps: Steps) -> list[Step]:
    """Plain teardown leaves out what is inside the lab's namespaces: it assumes they are the
    lab's own (the guarded styles check); but for `run` processes, which do not go with their
    namespace (they keep it alive). Host veth ends whose peers are in the lab's namespaces are
    deleted before the namespaces, each only if it carries the lab's mark: deleting a namespace
    removes them only in the background, so a teardown that left them to the kernel could end
    while they are still there (the guarded styles wait for them instead)."""
    going = [step for step in _veths_going(steps) if step.netns is None]
    kept = [step for step in steps.teardown if step not in going
            and (step.netns not in steps.namespaces or step.kind == "stop_process")]
    first = next((i for i, step in enumerate(kept) if isinstance(step, DeleteNamespace)), len(kept))
    return [*kept[:first], *going, *kept[first:]]
