"""The network state of a sandbox as a sorted list of facts, so two states compare and diff.

One fact is one line such as `[red] addr veth-red inet 192.168.15.1/24`. What the kernel does on
its own a moment after a link comes up (IPv6 link-local addresses and their routes, the
`linkdown` route flag, carrier) is left out; so are counters, ifindexes and MAC addresses.
Firewall state is judged by rules and user chains: iptables-nft leaves its empty built-in
chains and tables behind after their rules are deleted, and those are not facts.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

HOST_SCOPE = "host"


class Runner(Protocol):
    """What a snapshot needs from a sandbox: run a command in it, list its namespaces."""

    def run(
        self,
        command: Sequence[str],
        netns: str | None = None,
        timeout: float = 30.0,
        input: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run a command in the sandbox root or in one of its namespaces."""
        ...

    def namespaces(self) -> list[str]:
        """The sandbox's namespaces, sorted."""
        ...


@dataclass(frozen=True)
class State:
    """A normalised snapshot: facts sorted, duplicates kept (a rule added twice shows)."""

    facts: tuple[str, ...]

    def diff(self, other: State) -> list[str]:
        """What changed from self to other: `- fact` gone, `+ fact` new; empty when equal."""
        before, after = Counter(self.facts), Counter(other.facts)
        gone = [f"- {fact}" for fact in sorted((before - after).elements())]
        new = [f"+ {fact}" for fact in sorted((after - before).elements())]
        return gone + new


def capture(runner: Runner) -> State:
    """Snapshot the sandbox root and every namespace in it."""
    facts: list[str] = []
    namespaces = runner.namespaces()
    facts.extend(f"netns {name}" for name in namespaces)
    facts.extend(run_files(runner))
    for scope in [HOST_SCOPE, *namespaces]:
        netns = None if scope == HOST_SCOPE else scope
        facts.extend(f"[{scope}] {fact}" for fact in _scope_facts(runner, netns))
    return State(tuple(sorted(facts)))


def run_files(runner: Runner) -> list[str]:
    """`file PATH` for what lives in the sandbox's own `/run` (state scripts keep), `/run/netns` aside."""
    listing = runner.run(["find", "/run", "-mindepth", "1", "-path", "/run/netns", "-prune", "-o", "-print"])
    return [f"file {path}" for path in sorted(listing.stdout.split("\n")) if path]


def links_waiting(runner: Runner) -> list[str]:
    """Links set up but without carrier yet, as `scope/name`; a bridge with no ports never has it."""
    waiting = []
    for scope in [HOST_SCOPE, *runner.namespaces()]:
        links = _json(runner.run(["ip", "-j", "-d", "link", "show"], None if scope == HOST_SCOPE else scope))
        masters = {link.get("master") for link in links}
        for link in links:
            flags = link.get("flags", [])
            portless = link.get("linkinfo", {}).get("info_kind") == "bridge" and link.get("ifname") not in masters
            if "UP" in flags and "LOWER_UP" not in flags and not portless:
                waiting.append(f"{scope}/{link.get('ifname')}")
    return waiting


def _scope_facts(runner: Runner, netns: str | None) -> list[str]:
    """All facts of one namespace."""
    links = with_addrgenmode(_json(runner.run(["ip", "-j", "-d", "addr", "show"], netns)),
                             _json(runner.run(["ip", "-j", "-d", "link", "show"], netns)))
    routes = _json(runner.run(["ip", "-j", "route", "show", "table", "all"], netns))  # both families
    forward = runner.run(["cat", "/proc/sys/net/ipv4/ip_forward"], netns).stdout.strip()
    forward6 = runner.run(["cat", "/proc/sys/net/ipv6/conf/all/forwarding"], netns).stdout.strip()
    return [
        *link_facts(links),
        *address_facts(links),
        *route_facts(routes),
        *iptables_facts(runner.run(["iptables-save"], netns).stdout),
        *iptables_facts(runner.run(["ip6tables-save"], netns).stdout, "ip6tables"),
        *nft_facts(runner.run(["nft", "-s", "list", "ruleset"], netns).stdout),
        f"sysctl net.ipv4.ip_forward={forward}",
        f"sysctl net.ipv6.conf.all.forwarding={forward6}",
    ]


def _json(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    """Parse `ip -j` output; a failed command is an error, not an empty state."""
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(result.args[-4:])} failed: {result.stderr.strip()}")
    parsed = json.loads(result.stdout or "[]")
    return [item for item in parsed if isinstance(item, dict)]


def with_addrgenmode(links: list[dict[str, Any]], details: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`ip -j -d addr` links with the IPv6 address generation mode that only `ip -j -d link` shows."""
    modes = {detail.get("ifname"): detail["inet6_addr_gen_mode"] for detail in details
             if "inet6_addr_gen_mode" in detail}
    return [{**link, "inet6_addr_gen_mode": modes[link.get("ifname")]} if link.get("ifname") in modes else link
            for link in links]


FALLBACK_TUNNELS = {"gre0": "gre", "gretap0": "gretap", "erspan0": "erspan", "tunl0": "ipip"}
"""The devices the kernel makes in every namespace when its GRE or ipip module loads (the first time
a lab makes such a tunnel): the kernel's, not the lab's, and never removed by a teardown."""


def link_facts(links: list[dict[str, Any]]) -> list[str]:
    """`link NAME kind=K master=M up|down mtu=N [addrgenmode=MODE] [alias=ALIAS]` per link (the
    alias is the mark nsgen's teardown goes by, so it is state too); not the kernel's fallback
    tunnel devices (FALLBACK_TUNNELS)."""
    facts = []
    for link in links:
        kind = link.get("linkinfo", {}).get("info_kind") or link.get("link_type", "?")
        if FALLBACK_TUNNELS.get(link.get("ifname", "")) == kind:
            continue
        state = "up" if "UP" in link.get("flags", []) else "down"
        master = link.get("master", "-")
        mode = f" addrgenmode={link['inet6_addr_gen_mode']}" if "inet6_addr_gen_mode" in link else ""
        alias = f" alias={link['ifalias']}" if link.get("ifalias") else ""
        facts.append(f"link {link.get('ifname')} kind={kind} master={master} {state} mtu={link.get('mtu')}{mode}"
                     f"{alias}")
    return facts


def address_facts(links: list[dict[str, Any]]) -> list[str]:
    """`addr IFNAME FAMILY ADDRESS/PREFIX` per address. IPv6 link-local ones are left out (the
    kernel adds them a moment after a link comes up), except on links with addrgenmode none,
    which must have none."""
    facts = []
    for link in links:
        for info in link.get("addr_info", []):
            automatic = link.get("inet6_addr_gen_mode") != "none"
            if info.get("family") == "inet6" and info.get("scope") == "link" and automatic:
                continue
            facts.append(f"addr {link.get('ifname')} {info.get('family')} {info.get('local')}/{info.get('prefixlen')}")
    return facts


_ROUTE_KEYS = ("dst", "gateway", "dev", "protocol", "scope", "prefsrc", "metric")


def route_facts(routes: list[dict[str, Any]]) -> list[str]:
    """`route table=T TYPE dst=... via=...` per route of every table, IPv6 link-local left out."""
    facts = []
    for route in routes:
        if str(route.get("dst", "")).lower().startswith(("fe80", "ff")):
            continue
        parts = [f"table={route.get('table', 'main')}", route.get("type", "unicast")]
        parts += [f"{key}={route[key]}" for key in _ROUTE_KEYS if key in route]
        facts.append("route " + " ".join(str(part) for part in parts))
    return facts


def iptables_facts(save: str, tool: str = "iptables") -> list[str]:
    """Rules (with their place in the chain), user chains and non-ACCEPT policies of `iptables-save`
    (or of `ip6tables-save`, with `tool` ip6tables)."""
    facts: list[str] = []
    table = ""
    positions: Counter[tuple[str, str]] = Counter()
    for line in save.splitlines():
        if line.startswith("*"):
            table = line[1:]
        elif line.startswith(":"):
            chain, policy = line[1:].split()[:2]
            if policy == "-":
                facts.append(f"{tool} {table} chain {chain}")
            elif policy != "ACCEPT":
                facts.append(f"{tool} {table} policy {chain} {policy}")
        elif line.startswith("-A "):
            chain, _, rule = line[3:].partition(" ")
            positions[(table, chain)] += 1
            facts.append(f"{tool} {table} {chain}[{positions[(table, chain)]}] {rule}")
    return facts


# Tables and chains iptables-nft creates on first use and leaves behind, empty, on deletion.
_COMPAT_FAMILIES = {"ip", "ip6", "arp", "bridge"}
_COMPAT_TABLES = {"filter", "nat", "mangle", "raw", "security", "broute"}


@dataclass
class _Chain:
    name: str
    header: str | None
    rules: list[str]


@dataclass
class _Table:
    family: str
    name: str
    chains: list[_Chain]
    objects: list[str]
    flags: list[str]

    @property
    def compat(self) -> bool:
        """True for a table iptables-nft may have left behind."""
        return self.family in _COMPAT_FAMILIES and self.name in _COMPAT_TABLES


def nft_facts(ruleset: str) -> list[str]:
    """Facts of `nft -s list ruleset`: tables, chains, rules in order, sets and other objects."""
    facts: list[str] = []
    for table in _parse_nft(ruleset):
        facts.extend(_table_facts(table))
    return facts


def _table_facts(table: _Table) -> list[str]:
    """One table's facts; nothing for an empty iptables-nft leftover."""
    prefix = f"nft {table.family} {table.name}"
    facts = [f"{prefix} {flag}" for flag in table.flags] + [f"{prefix} {obj}" for obj in table.objects]
    for chain in table.chains:
        if table.compat and _leftover_chain(chain):
            continue
        facts.append(f"{prefix} chain {chain.name}" + (f" {{ {chain.header} }}" if chain.header else ""))
        facts.extend(f"{prefix} {chain.name}[{index}] {rule}" for index, rule in enumerate(chain.rules, 1))
    if facts or not table.compat:
        facts.append(f"nft table {table.family} {table.name}")
    return facts


def _leftover_chain(chain: _Chain) -> bool:
    """An empty built-in (upper-case, hooked, accepting) chain, as iptables-nft leaves them."""
    hooked = chain.header is not None and " hook " in f" {chain.header}"
    accepting = chain.header is not None and "policy accept" in chain.header
    return not chain.rules and chain.name.isupper() and hooked and accepting


_OPEN = re.compile(r"^(?P<kind>table|chain) (?:(?P<family>\S+) )?(?P<name>\S+) \{$")


def _parse_nft(ruleset: str) -> list[_Table]:
    """Parse the block structure nft prints: tables holding chains and other objects."""
    tables: list[_Table] = []
    lines = [line.strip() for line in ruleset.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    index = 0
    while index < len(lines):
        match = _OPEN.match(lines[index])
        index += 1
        if match and match["kind"] == "table" and match["family"]:
            table = _Table(match["family"], match["name"], [], [], [])
            index = _parse_table_body(lines, index, table)
            tables.append(table)
    return tables


def _parse_table_body(lines: list[str], index: int, table: _Table) -> int:
    """Fill `table` from the lines after its `table ... {`; return the index after its `}`."""
    while index < len(lines) and lines[index] != "}":
        line = lines[index]
        match = _OPEN.match(line)
        if match and match["kind"] == "chain":
            body, index = _block(lines, index + 1)
            header = body[0] if body and body[0].startswith("type ") else None
            rules = body[1:] if header else body
            table.chains.append(_Chain(match["name"], header, rules))
        elif line.endswith("{"):
            body, index = _block(lines, index + 1)
            table.objects.append(" ".join([line, *body, "}"]))
        else:
            table.flags.append(line)
            index += 1
    return index + 1


def _block(lines: list[str], index: int) -> tuple[list[str], int]:
    """The lines of a block up to its closing `}` (braces balanced); the index after it."""
    body: list[str] = []
    depth = 1
    while index < len(lines):
        line = lines[index]
        index += 1
        depth += line.count("{") - line.count("}")
        if depth <= 0:
            break
        body.append(line)
    return body, index
