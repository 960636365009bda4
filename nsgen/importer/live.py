"""`nsgen import --live [NS ...]`: the lab file that would rebuild what is running.

It reads, never changes: `ip -j netns list`, per namespace (and the host) `ip -j -d link show`,
`ip -j addr show` (IPv4 and IPv6), `ip -j -4 route show` and `ip -j -6 route show`, `ip -j netns list-id`
(which namespace a veth's peer is in), `/proc/sys/net/ipv4/ip_forward` and
`/proc/sys/net/ipv6/conf/all/forwarding`, and the host's `iptables-save`, `ip6tables-save` and
`nft list ruleset`; Open vSwitch through `ovs-vsctl` (bridges, ports, their VLANs) where it reaches a
database; which MACs were set (sysfs's `addr_assign_type`, from a fresh sysfs in a mount namespace of
its own); and the lab's `run` processes from nsgen's pid files (`/run/nsgen/labs/*/run/*.pid`).
Those facts fill the same model a script's commands do, and the same emitter writes the lab.

What it takes from the host: the veth ends whose peers are in the namespaces read, the bridges
they (or links nsgen marked `nsgen:LAB`) are ports of, veths between those bridges and VXLANs on
them, host routes through those links, and the host's NAT rules. The host's own interfaces
(its uplink, other bridges) are not part of the lab.
"""

from __future__ import annotations

import ipaddress
import json
import re
import subprocess
from collections.abc import Sequence
from typing import Any, Protocol

from nsgen.importer import ImportResult, present
from nsgen.importer.emit import FORWARD_KEYS, Emitter
from nsgen.importer.firewall import Firewall
from nsgen.importer.interpret import Interpreter
from nsgen.importer.model import Address, Link, Model, Namespace, Route, Sysctl
from nsgen.importer.report import Report

HOST = "host"
LIVE = "<live>"
COMPAT_TABLES = {"filter", "nat", "mangle", "raw", "security"}
"""Tables iptables-nft keeps in nft: read through iptables-save, not twice."""


class Runner(Protocol):
    """Runs a read-only command in the host (netns None) or in a namespace."""

    def run(self, command: Sequence[str], netns: str | None = None, timeout: float = 30.0,
            input: str | None = None) -> Any:
        """The completed process (stdout, returncode)."""
        ...


class LocalRunner:
    """This machine: commands in a namespace go through `ip netns exec` (read-only commands only)."""

    def run(self, command: Sequence[str], netns: str | None = None, timeout: float = 30.0,
            input: str | None = None) -> subprocess.CompletedProcess[str]:
        argv = [*command] if netns in (None, HOST) else ["ip", "netns", "exec", str(netns), *command]
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False, input=input)
        except (OSError, subprocess.TimeoutExpired) as error:
            return subprocess.CompletedProcess(argv, 127, "", str(error))


def _json(runner: Runner, command: list[str], netns: str | None) -> list[dict[str, Any]]:
    done = runner.run(command, netns)
    if done.returncode != 0:
        raise LiveError(f"{' '.join(command)}{' in ' + netns if netns else ''} failed: {done.stderr.strip()}")
    try:
        parsed = json.loads(done.stdout or "[]")
    except json.JSONDecodeError as error:
        raise LiveError(f"{' '.join(command)}: not JSON ({error})") from None
    return [item for item in parsed if isinstance(item, dict)]


FALLBACK_DEVICES = frozenset({"gre0", "gretap0", "erspan0", "tunl0", "sit0", "ip6tnl0", "ip6gre0", "ip_vti0",
                              "ip6_vti0"})
"""Devices the kernel makes in every namespace when a tunnel module loads: nobody's lab."""


class LiveError(Exception):
    """What is running cannot be read (no `ip`, a namespace that vanished, no permission)."""


class _Reader:
    """Reads one host into a model."""

    def __init__(self, runner: Runner, selected: list[str]) -> None:
        self.runner = runner
        self.selected = selected
        self.model = Model()
        self.model.addrgenmode_set = True  # the modes are there to read
        self.links: dict[tuple[str | None, int], dict[str, Any]] = {}
        self.ids: dict[str | None, dict[int, str | None]] = {}
        self.addresses: dict[tuple[str | None, str], list[dict[str, Any]]] = {}
        self.ovs_ports: dict[str, tuple[str, dict[str, str]]] = {}
        """Open vSwitch ports (by name): their bridge and VLAN columns (`ovs_tag`, `ovs_trunks`, `ovs_vlan_mode`)."""
        self.macs: dict[tuple[str | None, str], bool] = {}
        """(scope, link name) -> True when its MAC was set (by hand, or by nsgen's `mac`), not random."""

    def read(self) -> Model:
        for name in self.selected:
            self.model.namespaces[name] = Namespace(name, 0)
        for scope in [None, *self.selected]:
            self._read_scope(scope)
            self._read_macs(scope)
        self._read_ovs()
        chosen = self._choose()
        made = self._make_links(chosen)
        self._pair(made)
        for scope in [None, *self.selected]:
            self._routes(scope, made)
            self._forwarding(scope)
        self._runs()
        return self.model

    def _runs(self) -> None:
        """The lab's `run` processes, from nsgen's own record: each pid file
        /run/nsgen/labs/LAB/run/IDENT.pid holds a pid and its start time. A process is read when it
        still runs (the start time in /proc/PID/stat is the one recorded, so the pid was not reused),
        its namespace is one read, and its command line (/proc/PID/cmdline) still gives IDENT (the
        namespace and a hash of the command, `nsgen.compiler.statements.run.ident`): a command that
        replaced itself (`sh -c '...; exec sleep 1000'`) no longer does, and is not read."""
        from nsgen.compiler.statements.run import ident

        listed = self.runner.run(["sh", "-c", "grep -H . /run/nsgen/labs/*/run/*.pid 2>/dev/null || true"], None)
        for line in sorted(listed.stdout.splitlines() if listed.returncode == 0 else []):
            match = re.fullmatch(r"/run/nsgen/labs/[^/]+/run/(.+)-([0-9a-f]{10})\.pid:(\d+) (\d+)", line.strip())
            if not match or match.group(1) not in self.selected:
                continue
            netns, pid, start = match.group(1), match.group(3), match.group(4)
            stat = self.runner.run(["cat", f"/proc/{pid}/stat"], None)
            fields = stat.stdout.rsplit(")", 1)[-1].split() if stat.returncode == 0 else []
            if len(fields) < 20 or fields[19] != start:
                continue  # gone, or the pid is another process's now
            cmdline = self.runner.run(["cat", f"/proc/{pid}/cmdline"], None)
            argv = cmdline.stdout.split("\0")[:-1] if cmdline.returncode == 0 else []
            if not argv:
                continue
            # a program found through PATH (or a wrapper such as pyenv's) may show its full path as argv[0]
            forms = [argv, [argv[0].rsplit("/", 1)[-1], *argv[1:]]]
            argv = next((form for form in forms if ident(netns, tuple(form)) == f"{netns}-{match.group(2)}"), [])
            if not argv:
                continue
            words = []
            for word in argv:
                if re.fullmatch(r"[^\s'\"#;]+", word):
                    words.append(word)
                elif "\n" not in word and not ("'" in word and '"' in word):
                    words.append(f'"{word}"' if '"' not in word else f"'{word}'")
                else:
                    break
            else:
                self.model.inside.append((f"run {netns} {' '.join(words)}", 0, 26))

    def _read_scope(self, scope: str | None) -> None:
        for link in _json(self.runner, ["ip", "-j", "-d", "link", "show"], scope):
            self.links[(scope, int(link["ifindex"]))] = link
        for link in _json(self.runner, ["ip", "-j", "addr", "show"], scope):
            self.addresses[(scope, link["ifname"])] = link.get("addr_info", [])
        ids: dict[int, str | None] = {}
        for entry in _json(self.runner, ["ip", "-j", "netns", "list-id"], scope):
            ids[int(entry["nsid"])] = entry.get("name") if scope is None else entry.get("name", HOST)
        self.ids[scope] = ids

    def _read_macs(self, scope: str | None) -> None:
        """Which links' MACs were set rather than made up by the kernel: sysfs's `addr_assign_type`
        (3, NET_ADDR_SET: set through `ip link set ... address` or given at `ip link add`; a veth's
        own is random, 1). sysfs shows the network namespace it was mounted in, so it is read from
        a fresh sysfs in a mount namespace of its own (as `ip netns exec` does), which changes
        nothing outside it. Without it (no `unshare`, no right to mount) no MAC is read."""
        done = self.runner.run(["unshare", "--mount", "sh", "-c", "mount -t sysfs sysfs /sys && "
                                "grep -H . /sys/class/net/*/addr_assign_type"], scope)
        if done.returncode != 0:
            return
        for line in done.stdout.splitlines():
            match = re.fullmatch(r"/sys/class/net/([^/]+)/addr_assign_type:(\d+)", line.strip())
            if match:
                self.macs[(scope, match.group(1))] = match.group(2) == "3"

    def _read_ovs(self) -> None:
        """Open vSwitch's bridges, their ports and the ports' VLANs, where `ovs-vsctl` reaches a
        database (bounded by `--timeout`; without one, no Open vSwitch is read). A bridge is the lab's
        when one of its ports is (a veth end whose peer is in a namespace read)."""
        listed = self.runner.run(["ovs-vsctl", "--timeout=5", "list-br"], None)
        if listed.returncode != 0:
            return
        bridges = listed.stdout.split()
        for bridge in bridges:
            ports = self.runner.run(["ovs-vsctl", "--timeout=5", "list-ports", bridge], None)
            for port in ports.stdout.split() if ports.returncode == 0 else []:
                got = self.runner.run(["ovs-vsctl", "--timeout=5", "get", "port", port, "tag", "trunks",
                                       "vlan_mode"], None)
                values = got.stdout.splitlines() if got.returncode == 0 else []
                info: dict[str, str] = {}
                if len(values) == 3:
                    tag, trunks = re.findall(r"\d+", values[0]), re.findall(r"\d+", values[1])
                    mode = values[2].strip('"[] ')
                    if tag:
                        info["ovs_tag"] = ",".join(tag)
                    if trunks:
                        info["ovs_trunks"] = ",".join(trunks)
                    if mode:
                        info["ovs_vlan_mode"] = mode
                self.ovs_ports[port] = (bridge, info)
        for (scope, _index), raw in self.links.items():
            if scope is not None:
                continue
            if raw.get("ifname") in bridges:
                raw["_ovs"] = True  # its internal interface (a tap on the userspace datapath)
            elif raw.get("ifname") in self.ovs_ports:
                raw["master"] = self.ovs_ports[raw["ifname"]][0]  # the kernel says ovs-system, or nothing

    def _peer(self, scope: str | None, link: dict[str, Any]) -> tuple[str | None, int] | None:
        """Where a veth's (or macvlan's) other side is: its scope and ifindex."""
        if "link_index" not in link:
            if link.get("link"):
                for (where, index), other in self.links.items():
                    if where == scope and other["ifname"] == link["link"]:
                        return where, index
            return None
        if "link_netnsid" in link:
            name = self.ids.get(scope, {}).get(int(link["link_netnsid"]))
            where = None if name in (None, HOST) and scope is not None else name
            if scope is None and name is None:
                return None
            return where, int(link["link_index"])
        return scope, int(link["link_index"])

    @staticmethod
    def _kind(link: dict[str, Any]) -> str:
        if link.get("_ovs"):
            return "bridge"
        return str(link.get("linkinfo", {}).get("info_kind") or link.get("link_type", "?"))

    def _choose(self) -> set[tuple[str | None, int]]:
        """The links of the lab: those in the namespaces read, and the host's that belong to them."""
        chosen = {key for key in self.links if key[0] is not None}
        bridges = {key for key, link in self.links.items() if key[0] is None and self._kind(link) == "bridge"
                   and str(link.get("ifalias", "")).startswith("nsgen:")}
        for _round in range(8):
            before = len(chosen) + len(bridges)
            for key, link in self.links.items():
                if key[0] is not None or key in chosen:
                    continue
                kind = self._kind(link)
                peer = self._peer(None, link) if kind == "veth" else None
                master = self._index_of(None, link.get("master"))
                by_peer = peer is not None and peer in chosen
                by_bridge = master is not None and master in bridges and kind in ("veth", "vxlan")
                marked = kind in ("vxlan", "veth") and str(link.get("ifalias", "")).startswith("nsgen:")
                if by_peer or by_bridge or marked:
                    chosen.add(key)
            for key in list(chosen):
                master = self._index_of(key[0], self.links[key].get("master"))
                if master is not None and key[0] is None:
                    bridges.add(master)
            for key in list(chosen):
                if self._kind(self.links[key]) == "veth" and key[0] is None:
                    peer = self._peer(None, self.links[key])
                    if peer is not None and peer[0] is None:
                        chosen.add(peer)
            if len(chosen) + len(bridges) == before:
                break
        return chosen | bridges

    def _index_of(self, scope: str | None, name: Any) -> tuple[str | None, int] | None:
        if not name:
            return None
        for (where, index), link in self.links.items():
            if where == scope and link["ifname"] == name:
                return where, index
        return None

    def _make_links(self, chosen: set[tuple[str | None, int]]) -> dict[tuple[str | None, int], Link]:
        made: dict[tuple[str | None, int], Link] = {}
        for key in sorted(chosen, key=lambda k: (k[0] is not None, k[0] or "", k[1])):
            scope, _index = key
            raw = self.links[key]
            kind = self._kind(raw)
            if kind == "loopback":
                kind = "loopback"
            elif kind not in ("veth", "bridge", "vxlan", "macvlan", "ipvlan"):
                # (the host's other links are its own, not the lab's; the kernel's fallback tunnel
                # devices are in every namespace once their module is loaded)
                if scope is not None and raw["ifname"] not in FALLBACK_DEVICES:
                    self.model.unread.append((scope, str(raw["ifname"]), str(kind)))
                continue
            link = Link(self.model.new_uid(), raw["ifname"], scope, kind, 0)
            link.up = "UP" in raw.get("flags", [])
            link.master = raw.get("master")
            link.addrgenmode = raw.get("inet6_addr_gen_mode")
            alias = str(raw.get("ifalias") or "")
            if alias.startswith("nsgen:"):
                self.model.nsgen_made = True
                self.model.lab_name = self.model.lab_name or alias[len("nsgen:"):]
            for info in self.addresses.get((scope, link.name), []):
                if info.get("family") == "inet" and not (kind == "loopback" and info.get("local") == "127.0.0.1"):
                    link.addresses.append(Address(f"{info['local']}/{info['prefixlen']}", 0))
            # IPv6 after IPv4 (the lab's order per family), link-local ones last; not ::1, nor the
            # link-local addresses the kernel makes (addrgenmode eui64 and the like) or nsgen derives
            six = [Address(f"{info['local']}/{info['prefixlen']}", 0)
                   for info in self.addresses.get((scope, link.name), [])
                   if info.get("family") == "inet6" and info.get("local") != "::1"]
            # (the kernel lists an interface's IPv6 addresses newest first: reversed, they come in
            # the order they were added, the veth's own before an `address` line's)
            for address in sorted(reversed(six), key=lambda a: a.interface.ip.is_link_local):
                if address.interface.ip.is_link_local and (
                        link.addrgenmode != "none"
                        or Interpreter.derived_link_local(link, address.interface)):
                    continue
                link.addresses.append(address)
            self._details(link, raw, scope)
            if raw.get("_ovs"):
                link.info["ovs"] = "1"
            if scope is None and link.name in self.ovs_ports:
                link.info.update(self.ovs_ports[link.name][1])
            if kind == "veth" and self.macs.get((scope, link.name)) and raw.get("address"):
                link.mac = str(raw["address"]).lower()
            self.model.links.append(link)
            made[key] = link
        self._read_bridge_vlans(made)
        for link in self.model.links:
            if link.kind == "bridge" and link.mtu is not None:
                # its ports' MTUs as the kernel has them (a vxlan's is its underlay's less 50 unless set)
                ports = [int(self.links[key].get("mtu", 1500)) for key, other in made.items()
                         if other.master == link.name and other.netns == link.netns]
                if ports and min(ports) == link.mtu:
                    link.mtu = None
        return made

    def _read_bridge_vlans(self, made: dict[tuple[str | None, int], Link]) -> None:
        """The VLANs of the ports of Linux bridges with VLAN filtering, in each scope that has one:
        `bridge -j vlan show` (each port's VLANs, `PVID` and `Egress Untagged` flags), as the
        `bridge vlan` lines of a script would give them (see Emitter._linux_vlans)."""
        scopes = {key[0] for key, link in made.items() if link.info.get("vlan_filtering") == "1"}
        for scope in sorted(scopes, key=lambda s: s or ""):
            ports = {link.name: link for key, link in made.items() if key[0] == scope and link.master is not None}
            for entry in _json(self.runner, ["bridge", "-j", "vlan", "show"], scope):
                port = ports.get(str(entry.get("ifname")))
                if port is None:
                    continue
                vlans: list[str] = []
                for vlan in entry.get("vlans", []):
                    flags = vlan.get("flags", [])
                    mark = ("p" if "PVID" in flags else "") + ("u" if "Egress Untagged" in flags else "")
                    first = int(vlan["vlan"])
                    vlans += [f"{vid}:{mark}" for vid in range(first, int(vlan.get("vlanEnd", first)) + 1)]
                port.info.update(br_vlans=",".join(vlans), br_vlan_line="0", br_vlan_text="")

    def _details(self, link: Link, raw: dict[str, Any], scope: str | None) -> None:
        mtu = int(raw.get("mtu", 1500))
        data = raw.get("linkinfo", {}).get("info_data", {}) or {}
        if link.kind == "bridge" and data.get("vlan_filtering") == 1:
            link.info["vlan_filtering"] = "1"
        if link.kind in ("veth", "bridge"):
            link.mtu = None if mtu == 1500 else mtu
        elif link.kind == "vxlan":
            link.info = {"id": str(data.get("id")), "port": str(data.get("port", 8472))}
            if data.get("group"):
                link.info["group"] = str(data["group"])
            else:  # its peers: the all-zeros forwarding entries (the default `remote` is one of them)
                entries = _json(self.runner, ["bridge", "-j", "fdb", "show", "dev", link.name], scope)
                peers = [str(e["dst"]) for e in entries if e.get("mac") == "00:00:00:00:00:00" and e.get("dst")]
                if data.get("remote"):
                    link.info["remote"] = str(data["remote"])
                link.info["fdb"] = ",".join(dict.fromkeys(p for p in peers if p != data.get("remote")))
            if data.get("local"):
                link.info["local"] = str(data["local"])
            if data.get("link"):
                link.info["dev"] = str(data["link"])
            under = self._index_of(scope, data.get("link"))
            # the kernel's MTU for it: its underlay's less 50, or 1500 with no underlay device
            kernel_mtu = int(self.links[under].get("mtu", 1500)) - 50 if under else 1500
            link.mtu = None if mtu == kernel_mtu else mtu
        elif link.kind in ("macvlan", "ipvlan"):
            parent = self._peer(scope, raw)
            parent_raw = self.links.get(parent) if parent else None
            default = "vepa" if link.kind == "macvlan" else "l3"
            link.info = {"parent": parent_raw["ifname"] if parent_raw else "?", "mode": str(data.get("mode", default))}
            link.mtu = None if parent_raw and int(parent_raw.get("mtu", 1500)) == mtu else mtu

    def _pair(self, made: dict[tuple[str | None, int], Link]) -> None:
        for key, link in made.items():
            if link.kind != "veth" or link.peer is not None:
                continue
            peer_key = self._peer(key[0], self.links[key])
            peer = made.get(peer_key) if peer_key else None
            if peer is not None:
                link.peer, peer.peer = peer, link
        for link in [link for link in self.model.links if link.kind == "veth" and link.peer is None]:
            self.model.links.remove(link)

    def _routes(self, scope: str | None, made: dict[tuple[str | None, int], Link]) -> None:
        names = {link.name for link in made.values() if link.netns == scope}
        for family in (4, 6):
            for route in _json(self.runner, ["ip", "-j", f"-{family}", "route", "show"], scope):
                # the kernel's own (connected, fe80::/64) and router advertisements' are no lab's
                if route.get("protocol") in ("kernel", "ra") or route.get("type", "unicast") != "unicast":
                    continue
                dev = route.get("dev")
                if scope is None and dev not in names:
                    continue
                gateway = route.get("gateway")
                destination = route.get("dst", "default")
                if destination != "default" and "/" not in destination:
                    destination += "/32" if family == 4 else "/128"
                if destination == "default" and gateway is None and family == 6:
                    destination = "::/0"
                flags = route.get("flags", [])
                metric = route.get("metric")
                if family == 6 and metric == 1024:
                    metric = None  # the kernel's metric for an IPv6 route given none
                link_local = gateway is not None and family == 6 and ipaddress.IPv6Address(gateway).is_link_local
                self.model.routes.append(Route(scope, destination, gateway,
                                               dev if "onlink" in flags or not gateway or link_local else None,
                                               metric, "onlink" in flags, 0, family))

    def _forwarding(self, scope: str | None) -> None:
        for key in FORWARD_KEYS.values():
            done = self.runner.run(["cat", "/proc/sys/" + key.replace(".", "/")], scope)
            if done.returncode == 0 and done.stdout.strip() == "1":
                self.model.sysctls[(scope, key)] = Sysctl(scope, key, "1", 0)


def _read_rules(runner: Runner, model: Model, report: Report) -> Interpreter:
    """The host's rules through the script reader's firewall: iptables-save and ip6tables-save,
    then nft's own tables."""
    interpreter = Interpreter(model, report)
    _read_saved_rules(runner, interpreter.fw, None)
    return interpreter


def _read_saved_rules(runner: Runner, fw: Firewall, netns: str | None) -> None:
    """One scope's rules (the host's, or a namespace's, run inside it): iptables-save and
    ip6tables-save, then nft's own tables (not those iptables-nft keeps there, read already)."""
    incompatible = set()
    for family, tool in ((4, "iptables-save"), (6, "ip6tables-save")):
        saved = runner.run([tool], netns)
        table = "filter"
        if saved.returncode != 0:
            continue
        for text in saved.stdout.splitlines():
            stripped = text.strip()
            if stripped.startswith("# Table `"):
                incompatible.add(stripped.split("`")[1].split("'")[0])
            elif stripped.startswith("*"):
                table = stripped[1:]
            elif stripped.startswith("-A "):
                words = fw.split(stripped, 0, text)
                if words is not None:
                    fw.iptables_words(["-t", table, *words], table, 0, text, family)
            elif stripped.startswith(":FORWARD DROP") and table == "filter" and netns is not None:
                # a namespace that forwards only what it accepts (`router NS deny`); the host's
                # policies are its own, not the lab's
                fw.iptables_words(["-t", table, "-P", "FORWARD", "DROP"], table, 0, text, family)
    ruleset = runner.run(["nft", "list", "ruleset"], netns)
    if ruleset.returncode == 0:
        fw.nft_text(ruleset.stdout, 0, skip=COMPAT_TABLES - incompatible)


def _read_namespace_rules(runner: Runner, interpreter: Interpreter, namespaces: list[str]) -> None:
    """Each namespace's own rules, read apart from the host's: its NAT (`nat NS`, `forward NS`)
    and its INPUT (`isolate`, `allow`), of both families."""
    for netns in namespaces:
        _read_saved_rules(runner, interpreter.fw.inside(netns), netns)


def import_live(namespaces: list[str], runner: Runner | None = None) -> ImportResult:
    """The lab that would rebuild what runs on this host (or in `runner`'s sandbox)."""
    runner = runner or LocalRunner()
    report = Report(LIVE)
    try:
        listed = [entry["name"] for entry in _json(runner, ["ip", "-j", "netns", "list"], None)]
        missing = [name for name in namespaces if name not in listed]
        if missing:
            raise LiveError(f"no namespace {', '.join(missing)} here (ip netns list: {', '.join(listed) or 'none'})")
        selected = namespaces or sorted(listed)
        model = _Reader(runner, selected).read()
        interpreter = _read_rules(runner, model, report)
        _read_namespace_rules(runner, interpreter, selected)
    except LiveError as error:
        report.refuse("E326", f"cannot read what is running: {error}", report.span(0), "",
                      "name namespaces that `ip netns list` shows (none: all of them); reading the firewall "
                      "needs root")
        return ImportResult("", report.diagnostics)
    interpreter.fw.finish()
    for namespace, name, kind in model.unread:
        report.warn("W346", f"--live does not read the {kind} link {name} in namespace {namespace}: left out of "
                    "the lab", report.span(0), "add it to the lab by hand (gre, gretap and ipip are read from "
                    "scripts only, docs/import.md)")
    statements = Emitter(model, report).build()
    from nsgen.importer import check_lab, render

    text = render(statements, {}, [], report.untranslated, LIVE)
    check_lab(text, statements, report, "live.ns")
    text = text.replace("# Imported by `nsgen import` from <live>.", "# Imported by `nsgen import --live` from "
                        f"the namespaces {', '.join(selected) or '(none)'} and the host.")
    return ImportResult(present(text, "live.ns"), report.diagnostics)
