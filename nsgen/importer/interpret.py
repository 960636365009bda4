"""Follows each command's effect on the model: `ip`, `ip netns exec`, `brctl`, `ovs-vsctl`,
`sysctl`, `echo N > /proc/sys/...`, `ping`; firewall commands go to `firewall.py`."""

from __future__ import annotations

import ipaddress
import os
import re

from nsgen.compiler.diagnostics import Span
from nsgen.compiler.symbols import link_local_of
from nsgen.importer import firewall
from nsgen.importer.model import Address, Expect, Link, Model, Namespace, Route, Sysctl
from nsgen.importer.report import Report
from nsgen.importer.shell import Command

TUNNELS = ("gre", "gretap", "ipip")
"""The tunnel link kinds the lab language has (`gre`, `gretap`, `ipip` statements)."""

IP_OBJECTS = ("address", "addrlabel", "maddress", "route", "rule", "neighbor", "neighbour", "ntable", "ntbl",
              "link", "l2tp", "fou", "ila", "macsec", "tunnel", "tunl", "tuntap", "tap", "token", "tcpmetrics",
              "tcp_metrics", "monitor", "xfrm", "mroute", "mrule", "netns", "netconf", "vrf", "sr", "nexthop",
              "mptcp", "ioam", "stats", "help")
"""`ip`'s objects in the order `ip` tries them: a word is the first object it begins (`ip a`, `ip r`)."""

READ_ONLY = {"arp", "cat", "ls", "true", "sleep", "ss", "netstat", "ifconfig", "tcpdump", "curl", "wget", "nc",
             "ethtool", "lsns", "printf", "wait", "exit", "ps", "iptables-save", "nft-save", "traceroute",
             "tracepath", "mtr", "dig", "host", "nslookup", "python3", "conntrack", "lsmod", "uname", "id", "set",
             "whoami", "date", "clear", "which", "type"}
"""Commands that look and change nothing a lab has (`set -e` only changes the script's shell)."""

OVS_READ_ONLY = {"show", "list-br", "list-ports", "list-ifaces", "br-exists", "port-to-br", "iface-to-br", "get",
                 "list", "find", "br-to-vlan", "br-to-parent", "get-controller", "get-fail-mode", "get-manager",
                 "get-ssl", "wait-until", "comment", "init"}
"""ovs-vsctl commands that only look (`init` makes an empty database ready; nothing of a lab)."""
OVS_COMMAND_OPTIONS = {"--may-exist", "--if-exists", "--all", "--id", "--with-iface", "--fake-iface", "--columns"}
"""Options of one ovs-vsctl command, not of the whole call."""
OVS_BRIDGE_DEFAULTS = {"stp_enable=false", "rstp_enable=false"}
"""Bridge settings that are Open vSwitch's defaults and the lab's (it turns on no spanning tree)."""
OVS_PORT_COLUMNS = ("tag", "trunks", "vlan_mode")
"""The Port columns the lab language says (`tag N`, `trunk N,M`)."""

NOT_LINK_WORDS = {"up", "down", "name", "netns", "master", "nomaster", "mtu", "address", "addrgenmode", "alias",
                  "type", "peer", "link", "dev", "arp", "multicast", "promisc", "txqueuelen", "qlen", "group",
                  "state", "mode", "id", "remote", "local", "dstport", "ttl", "learning", "nolearning"}


def _clear_ovs_port(link: Link) -> None:
    """A link that becomes (or stops being) a port has no Open vSwitch VLAN settings yet."""
    for column in OVS_PORT_COLUMNS:
        link.info.pop(f"ovs_{column}", None)


def match_word(word: str, table: tuple[str, ...]) -> str | None:
    """The first entry of `table` that `word` begins, as `ip` matches abbreviations."""
    if not word:
        return None
    for entry in table:
        if entry.startswith(word):
            return entry
    return None


class Interpreter:
    """Runs a script's commands against the model; refusals and warnings go to the report."""

    def __init__(self, model: Model, report: Report) -> None:
        self.model = model
        self.report = report
        self.text = ""
        self.command: Command | None = None
        self.fw = firewall.Firewall(model, report, self)
        self.probe = False
        """Set when a command was a ping (kept as an `expect` line)."""
        self.family: int | None = None
        """The family an `ip` command names (`-4`, `-6`, `-f inet6`, `-family inet6`), or None."""

    # -- reporting -------------------------------------------------------------------------------
    def span(self, word: str | None = None) -> Span:
        command = self.command
        assert command is not None
        if word:
            # the word where it stands alone (not inside another word: `a` in `add`)
            found = re.compile(r"(?<![^\s'\"=])" + re.escape(word) + r"(?![^\s'\";|&<>])")
            match = found.search(self.text, command.column - 1) or found.search(self.text)
            if match:
                return self.report.span(command.line, match.start() + 1, match.end() + 1)
        return self.report.span(command.line, command.column, command.end_column)

    def refuse(self, code: str, reason: str, hint: str | None = None, word: str | None = None) -> None:
        assert self.command is not None
        self.report.refuse(code, reason, self.span(word), self.text, hint)

    def warn(self, code: str, message: str, hint: str | None = None, word: str | None = None) -> None:
        self.report.warn(code, message, self.span(word), hint)

    @property
    def line(self) -> int:
        assert self.command is not None
        return self.command.line

    # -- dispatch --------------------------------------------------------------------------------
    def run(self, command: Command, text: str, netns: str | None = None) -> bool:
        """Follow one command; False when it changed nothing the lab has (read-only, or refused)."""
        self.command, self.text = command, text
        words = list(command.words)
        while words and (words[0] in ("sudo", "env", "command", "exec", "time", "nohup")
                         or re.match(r"^[A-Za-z_]\w*=", words[0])):
            words.pop(0)
            while words and words[0].startswith("-") and command.words[0] == "sudo":
                words.pop(0)
        if not words:
            return False
        if os.path.basename(words[0]) == "setsid":
            return self.setsid(words, netns)
        if any("/run/nsgen/" in w for w in words) or any("/run/nsgen/" in r.target for r in command.redirects):
            self.model.nsgen_made = True
            match = re.search(r"/run/nsgen/labs/([^/\s]+)", " ".join(words + [r.target for r in command.redirects]))
            if match and self.model.lab_name is None:
                self.model.lab_name = match.group(1)
            return False
        name = os.path.basename(words[0])
        handler = {
            "ip": self.ip, "brctl": self.brctl, "bridge": self.bridge, "ovs-vsctl": self.ovs, "sysctl": self.sysctl,
            "echo": self.echo,
            "ping": self.ping, "iptables": self.fw.iptables, "iptables-legacy": self.fw.iptables,
            "iptables-nft": self.fw.iptables, "iptables-restore": self.fw.iptables_restore,
            "iptables-legacy-restore": self.fw.iptables_restore, "iptables-nft-restore": self.fw.iptables_restore,
            "nft": self.fw.nft, "route": self.net_tools_route, "ip6tables": self.fw.ip6tables,
            "ip6tables-legacy": self.fw.ip6tables, "ip6tables-nft": self.fw.ip6tables,
            "ip6tables-restore": self.fw.ip6tables_restore, "ip6tables-legacy-restore": self.fw.ip6tables_restore,
            "ip6tables-nft-restore": self.fw.ip6tables_restore, "ping6": self.ping,
            "mkdir": self.mkdir, "tee": self.echo,
        }.get(name)
        if handler is not None:
            return handler(words, netns)
        if name in READ_ONLY:
            return False
        self.refuse("E320", f"unknown command '{name}': nsgen import does not know what it does",
                    "a lab holds namespaces, links, addresses, routes, sysctls and NAT; do this by hand after "
                    "setup, or leave it out", word=words[0])
        return False

    def setsid(self, words: list[str], netns: str | None) -> bool:
        """`setsid [-f|-w] ip netns exec NS WORD...`: a process started in a namespace, `run NS WORD...`."""
        assert self.command is not None
        if any("/run/nsgen/" in r.target for r in self.command.redirects):
            self.model.nsgen_made = True  # its output goes to nsgen's log of the process
        rest = words[1:]
        while rest and rest[0].startswith("-"):
            rest = rest[1:]
        if rest[:3] == ["ip", "netns", "exec"] and len(rest) > 4 and netns is None:
            if rest[3] not in self.model.namespaces:
                self.refuse("E324", f"namespace '{rest[3]}' was never made by this script", word=rest[3],
                            hint=f"add `ip netns add {rest[3]}` before this line")
                return False
            return self.run_process(rest[3], rest[4:])
        if netns is not None and rest:
            return self.run_process(netns, rest)  # `ip netns exec NS setsid CMD...`
        self.refuse("E323", "a process started outside a namespace of the script: the lab language's `run` "
                    "starts one in a namespace", "write it as `setsid ip netns exec NS COMMAND...`, or start it by "
                    "hand after setup", word=words[0])
        return False

    def run_process(self, netns: str, words: list[str]) -> bool:
        """A command started in the background in namespace `netns`: `run NETNS WORD...`, each word
        quoted on its own where it needs it (the language takes a quoted word literally)."""
        quoted = []
        if words[:1] == ["setsid"]:  # `ip netns exec NS setsid CMD... &`: run starts it in a session of its own
            words = words[1:]
            while words and words[0].startswith("-"):
                words = words[1:]
        for word in words:
            if re.fullmatch(r"[^\s'\"#;]+", word):
                quoted.append(word)
            elif "\n" in word or ("'" in word and '"' in word):
                self.refuse("E323", f"a word of the command that `run` cannot quote ({word!r}: a newline, or "
                            "both quotes)", "start it through a shell script file: `run NS sh FILE`")
                return False
            else:
                quoted.append(f'"{word}"' if '"' not in word else f"'{word}'")
        self.model.inside.append((f"run {netns} {' '.join(quoted)}", self.line, 26))
        return True

    def mkdir(self, words: list[str], netns: str | None) -> bool:
        return False

    def wrong_family(self, text: str, family: int, what: str) -> None:
        """E325: an address of the other family than the command names (ip and ip6tables refuse it)."""
        names = {4: "IPv4", 6: "IPv6"}
        self.refuse("E325", f"{what} {text} is {names[6 if family == 4 else 4]}, but the command is for "
                    f"{names[family]} only (ip refuses it)", f"give an {names[family]} {what}, or drop the "
                    f"command's `{'-6' if family == 6 else '-4'}` (ip takes the family from the {what})", word=text)

    def net_tools_route(self, words: list[str], netns: str | None) -> bool:
        if len(words) == 1 or words[1] in ("-n", "-e", "-ne", "-en"):
            return False
        self.refuse("E320", "net-tools `route` changes: nsgen import reads `ip route`",
                    "write it as `ip route add DEST via GATEWAY`", word=words[0])
        return False

    # -- ip ----------------------------------------------------------------------------------------
    def ip(self, words: list[str], netns: str | None) -> bool:
        args = words[1:]
        every = False
        self.family = None
        while args and args[0].startswith("-") and len(args[0]) > 1:
            option = args.pop(0).lstrip("-")
            if option in ("a", "al", "all"):
                every = True
            elif option in ("n", "ne", "net", "netn", "netns"):
                if not args:
                    self.refuse("E324", "`ip -n` without a namespace")
                    return False
                netns = args.pop(0)
            elif option in ("4", "6"):
                self.family = int(option)
            elif option in ("f", "family"):
                name = args.pop(0) if args else ""
                self.family = {"inet": 4, "inet6": 6}.get(name)
            elif option.startswith("b") and "batch".startswith(option):
                self.refuse("E320", "`ip -batch`: nsgen import reads commands one per line",
                            "paste the batch file's commands, each prefixed with `ip`")
                return False
        if not args:
            return False
        if args[0] == "exec" and args[1:2] == ["netns"]:
            self.warn("W330", "`ip exec netns` is not an ip command (ip says: Object \"exec\" is unknown); "
                      "read as `ip netns exec`", "write `ip netns exec NS COMMAND`", word="exec")
            return self.netns_exec(args[2:], netns)
        obj = match_word(args[0], IP_OBJECTS)
        rest = args[1:]
        if every and obj == "netns":
            return self.every_netns(rest)
        if obj == "link":
            return self.ip_link(rest, netns)
        if obj == "address":
            return self.ip_addr(rest, netns)
        if obj == "route":
            return self.ip_route(rest, netns)
        if obj == "netns":
            return self.ip_netns(rest, netns)
        if obj is None:
            self.refuse("E324", f"`ip {args[0]}`: ip has no such object", word=args[0])
            return False
        if not rest or match_word(rest[0], ("show", "list", "lst", "get", "monitor")):
            return False
        self.refuse("E323", f"`ip {obj} {rest[0]}`: the lab language has no {obj} statement", word=args[0])
        return False

    def every_netns(self, args: list[str]) -> bool:
        """`ip -all netns exec CMD` (CMD in each namespace made so far) and `ip -all netns delete`."""
        sub = match_word(args[0], ("list", "add", "attach", "set", "delete", "identify", "pids", "exec")) \
            if args else "list"
        names = list(self.model.namespaces)
        if sub == "delete":
            for name in names:
                self.model.remove_namespace(name)
            return bool(names)
        if sub == "exec":
            done = False
            for name in names:
                done = self.netns_exec([name, *args[1:]], None) or done
            return done
        return False

    def ip_netns(self, args: list[str], netns: str | None) -> bool:
        sub = match_word(args[0], ("list", "add", "attach", "set", "delete", "identify", "pids", "exec", "monitor",
                                   "list-id")) if args else "list"
        if sub == "add" and len(args) > 1:
            name = args[1]
            if name in self.model.namespaces:
                self.refuse("E324", f"namespace '{name}' is made twice (ip says: File exists)", word=name)
                return False
            self.model.namespaces[name] = Namespace(name, self.line, [self.line])
            self.model.links.append(Link(self.model.new_uid(), "lo", name, "loopback", self.line, made=False,
                                         where=self.span(name)))
            return True
        if sub == "delete" and len(args) > 1:
            if args[1] not in self.model.namespaces:
                self.refuse("E324", f"`ip netns del {args[1]}`: the script never made namespace '{args[1]}'",
                            word=args[1])
                return False
            self.model.remove_namespace(args[1])
            return True
        if sub == "exec":
            return self.netns_exec(args[1:], netns)
        if sub in ("list", "identify", "pids", "monitor", "list-id", "set"):
            return False
        self.refuse("E324", f"`ip netns {' '.join(args)}`: not understood")
        return False

    def netns_exec(self, args: list[str], netns: str | None) -> bool:
        if len(args) < 2:
            self.refuse("E324", "`ip netns exec` needs a namespace and a command")
            return False
        name = args[0]
        if name not in self.model.namespaces:
            self.refuse("E324", f"namespace '{name}' was never made by this script", word=name,
                        hint=f"add `ip netns add {name}` before this line")
            return False
        assert self.command is not None
        if self.command.background:
            return self.run_process(name, args[1:])
        inner = Command(args[1:], self.command.line, self.command.column, self.command.end_column,
                        self.command.redirects, self.command.stdin, self.command.pipe_to)
        if inner.words[0] in ("sh", "bash") and inner.words[1:2] == ["-c"] and len(inner.words) > 2:
            from nsgen.importer.shell import read_script

            done = False
            for line in read_script(inner.words[2]):
                for sub in line.commands:
                    sub.line, sub.column, sub.end_column = inner.line, inner.column, inner.end_column
                    done = self.run(sub, self.text, name) or done
            return done
        if any(r.op in (">", ">>") and r.target.startswith("/proc/sys/") for r in inner.redirects) \
                and inner.words[0] == "echo":
            self.warn("W339", "the redirection is the calling shell's: this writes the host's "
                      f"{inner.redirects[-1].target}, not namespace {name}'s",
                      f"write `ip netns exec {name} sysctl -w KEY=VALUE`; imported as the host's")
            return self.run(inner, self.text, None)
        return self.run(inner, self.text, name)

    def _link_words(self, args: list[str]) -> tuple[dict[str, str], list[str], list[str]]:
        """`ip link add/set` words: keyword values, bare flags (up, down, nomaster), leftovers."""
        values: dict[str, str] = {}
        flags: list[str] = []
        bare: list[str] = []
        index = 0
        with_value = {"name", "dev", "netns", "master", "mtu", "address", "addrgenmode", "alias", "type", "link",
                      "txqueuelen", "qlen", "group", "mode", "id", "vni", "remote", "local", "dstport", "ttl",
                      "tos", "state", "numtxqueues", "numrxqueues", "index", "broadcast", "brd"}
        while index < len(args):
            word = args[index]
            if word in with_value and index + 1 < len(args):
                values[{"vni": "id", "qlen": "txqueuelen"}.get(word, word)] = args[index + 1]
                index += 2
                continue
            if word in ("up", "down", "nomaster", "nolearning", "learning"):
                flags.append(word)
            else:
                bare.append(word)
            index += 1
        return values, flags, bare

    def ip_link(self, args: list[str], netns: str | None) -> bool:
        sub = match_word(args[0], ("add", "change", "set", "replace", "delete", "show", "lst", "list", "xstats",
                                   "afstats", "property", "help")) if args else "show"
        if sub in ("show", "lst", "list", "xstats", "afstats", "help"):
            return False
        if sub == "add":
            return self.link_add(args[1:], netns)
        if sub in ("set", "change"):
            return self.link_set(args[1:], netns)
        if sub == "delete":
            return self.link_del(args[1:], netns)
        self.refuse("E324", f"`ip link {args[0]}`: not understood", word=args[0])
        return False

    def link_add(self, args: list[str], netns: str | None) -> bool:
        type_at = args.index("type") if "type" in args else len(args)
        head, kind_args = args[:type_at], args[type_at + 1:]
        kind = kind_args[0] if kind_args else None
        kind_args = kind_args[1:]
        values, flags, bare = self._link_words(head)
        name = values.get("name") or values.get("dev") or (bare[0] if bare else None)
        if kind is None or name is None:
            self.refuse("E324", "`ip link add` without a name and a type")
            return False
        if kind not in ("veth", "bridge", "macvlan", "ipvlan", "vxlan", *TUNNELS):
            self.refuse("E323", f"a link of type {kind}: nsgen import reads veth, bridge, macvlan, ipvlan, vxlan, "
                        "gre, gretap and ipip links (the lab language's)", word=kind)
            return False
        if self.model.link(netns, name) is not None:
            self.refuse("E324", f"a link '{name}' is there already (ip says: File exists)", word=name)
            return False
        where = values.get("netns", netns)
        if where is not None and where not in self.model.namespaces:
            self.refuse("E324", f"namespace '{where}' was never made by this script", word=where)
            return False
        link = Link(self.model.new_uid(), name, where, kind, self.line, [self.line], where=self.span(name))
        if kind == "veth":
            peer = self._veth_peer(kind_args, netns, link)
            if peer is None:
                return False
        elif kind in ("macvlan", "ipvlan"):
            parent = values.get("link")
            if parent is None:
                self.refuse("E324", f"{'an' if kind == 'ipvlan' else 'a'} {kind} without `link PARENT`")
                return False
            mode_values, _flags, mode_bare = self._link_words(kind_args)
            # the kernel's default modes: macvlan vepa, ipvlan l3
            mode = mode_values.get("mode", "vepa" if kind == "macvlan" else "l3")
            if kind == "ipvlan":
                if mode not in ("l2", "l3", "l3s"):
                    self.refuse("E324", f"ipvlan mode '{mode}': ip knows l2, l3 and l3s", word=mode)
                    return False
                flags_given = [w for w in mode_bare if w != "bridge"]  # `bridge` is the kernel's default flag
                if flags_given:
                    self.refuse("E323", f"ipvlan flag `{flags_given[0]}`: the lab language's ipvlans take a mode "
                                "only (l2, l3, l3s), with the kernel's default flag (bridge)",
                                "leave the flag out, or set it by hand after setup", word=flags_given[0])
                    return False
            link.info = {"parent": parent, "mode": mode, "parent_netns": netns or ""}
            if netns is not None:
                self.refuse("E323", f"a {kind} made inside a namespace from a parent there: nsgen makes a "
                            f"{kind} from a parent in the host", "make it in the host with `netns NS`")
                return False
        elif kind == "vxlan":
            if not self._vxlan_info(kind_args, link):
                return False
        elif kind in TUNNELS:
            if not self._tunnel_info(kind_args, link):
                return False
        elif kind == "bridge" and not self._bridge_options(kind_args, link):
            return False
        self.model.links.append(link)
        self._apply_link_options(link, values, flags)
        return True

    def _veth_peer(self, kind_args: list[str], netns: str | None, link: Link) -> Link | None:
        if kind_args[:1] != ["peer"]:
            self.refuse("E324", "a veth without `peer name NAME`: the kernel names the peer itself (vethN)",
                        "give the peer a name: `type veth peer name NAME`")
            return None
        values, flags, bare = self._link_words(kind_args[1:])
        peer_name = values.get("name") or values.get("dev") or (bare[0] if bare else None)
        if peer_name is None:
            self.refuse("E324", "a veth without a peer name: the kernel names the peer itself (vethN)",
                        "give the peer a name: `type veth peer name NAME`")
            return None
        where = values.get("netns", netns)
        if where is not None and where not in self.model.namespaces:
            self.refuse("E324", f"namespace '{where}' was never made by this script", word=where)
            return None
        if self.model.link(where, peer_name) is not None or (where == link.netns and peer_name == link.name):
            self.refuse("E324", f"a link '{peer_name}' is there already (ip says: File exists)", word=peer_name)
            return None
        peer = Link(self.model.new_uid(), peer_name, where, "veth", self.line, [self.line],
                    where=self.span(peer_name))
        link.peer, peer.peer = peer, link
        self.model.links.append(peer)
        self._apply_link_options(peer, values, flags)
        return peer

    def _vxlan_info(self, kind_args: list[str], link: Link) -> bool:
        values, _flags, _bare = self._link_words(kind_args)
        if "id" not in values:
            self.refuse("E324", "a vxlan without `id`")
            return False
        if "remote" in values and "group" in values:
            self.refuse("E324", "a vxlan with both `remote` and `group` (ip refuses it)", word="group")
            return False
        link.info = {"id": values["id"], "port": values.get("dstport", "8472")}
        if "group" in values:
            link.info["group"] = values["group"]
        elif "remote" in values:
            link.info["remote"] = values["remote"]  # (none: its peers come as `bridge fdb append` lines)
        if "local" in values:
            link.info["local"] = values["local"]
        if "dev" in values:
            link.info["dev"] = values["dev"]
        if "dstport" not in values:
            self.warn("W340", "a vxlan without `dstport` uses the kernel's port 8472, not IANA's 4789; "
                      "imported as `port 8472`", "write `dstport 4789` to use the standard port", word="vxlan")
        return True

    def _bridge_options(self, words: list[str], bridge: Link) -> bool:
        """`type bridge [vlan_filtering 0|1] [stp_state 0]`: VLAN filtering is what a lab bridge with
        `tag`/`trunk` ports has (the ports' `bridge vlan` lines say which); STP and the rest it has not."""
        pairs = dict(zip(words[::2], words[1::2], strict=False))
        others = [key for key in pairs if key not in ("vlan_filtering", "stp_state")]
        if others or len(words) % 2 or pairs.get("stp_state", "0") != "0" \
                or pairs.get("vlan_filtering", "0") not in ("0", "1"):
            self.refuse("E323", "bridge options other than `vlan_filtering` (STP, timers, ...): the lab language's "
                        "bridges have none", "leave them out, or set them by hand after setup", word="type")
            return False
        if "vlan_filtering" in pairs:
            bridge.info["vlan_filtering"] = pairs["vlan_filtering"]
        return True

    def _tunnel_info(self, kind_args: list[str], link: Link) -> bool:
        """`type gre|gretap|ipip remote R [local L] [dev D] [key K | ikey K okey K] [ttl T]`."""
        values: dict[str, str] = {}
        bare: list[str] = []
        words = list(kind_args)
        while words:
            word = words.pop(0)
            if word in ("remote", "local", "dev", "key", "ikey", "okey", "ttl", "hoplimit", "tos") and words:
                values["ttl" if word == "hoplimit" else word] = words.pop(0)
            else:
                bare.append(word)
        key = values.get("key")
        if key is None and ("ikey" in values or "okey" in values):
            if values.get("ikey") != values.get("okey"):
                what = "different `ikey` and `okey`" if "ikey" in values and "okey" in values \
                    else "a key of one direction only (`ikey` or `okey`)"
                self.refuse("E323", f"a tunnel with {what}: the lab's `key` is both",
                            "give both directions one key (`key N`)", word="ikey" if "ikey" in values else "okey")
                return False
            key = values["ikey"]
        others = [w for w in [*values, *bare] if w not in ("remote", "local", "dev", "key", "ikey", "okey", "ttl")]
        if others:
            self.refuse("E323", f"tunnel option `{others[0]}`: the lab's {link.kind} takes remote, local, dev, key "
                        "and ttl", "leave it out, or set it by hand after setup", word=others[0])
            return False
        if "remote" not in values or values["remote"] == "any":
            self.refuse("E324", f"a {link.kind} without a `remote` address (`remote any` is point to multipoint): "
                        "the lab's tunnels are point to point", word=link.kind)
            return False
        link.info = {name: values[name] for name in ("remote", "local", "dev", "ttl") if name in values
                     and values[name] != "any"}
        if key is not None:
            link.info["key"] = key
        return True

    def _apply_link_options(self, link: Link, values: dict[str, str], flags: list[str]) -> None:
        if "mtu" in values and values["mtu"].isdigit():
            link.mtu = int(values["mtu"])
        if "address" in values:
            link.mac = values["address"].lower()
        if "master" in values:
            self._set_master(link, values["master"])
        if "addrgenmode" in values:
            link.addrgenmode = values["addrgenmode"]
            self.model.addrgenmode_set = True
        if "alias" in values and values["alias"].startswith("nsgen:"):
            self.model.nsgen_made = True
            self.model.lab_name = self.model.lab_name or values["alias"][len("nsgen:"):]
        if "up" in flags:
            link.up = True
        if "down" in flags:
            link.up = False
        if "nomaster" in flags:
            link.master = None

    def _set_master(self, link: Link, master: str) -> None:
        bridge = self.model.link(link.netns, master)
        if bridge is None or bridge.kind != "bridge":
            self.refuse("E324", f"`master {master}`: the script made no bridge '{master}' there", word=master)
            return
        if bridge.info.get("ovs"):
            self.refuse("E324", f"`master {master}`: {master} is an Open vSwitch bridge, whose ports ip cannot add "
                        "(ip says: Operation not supported)", f"`ovs-vsctl add-port {master} {link.name}`",
                        word=master)
            return
        link.master = master
        _clear_ovs_port(link)

    def _device(self, values: dict[str, str], bare: list[str]) -> str | None:
        if "dev" in values:
            return values["dev"]
        return bare[0] if bare else None

    def link_set(self, args: list[str], netns: str | None) -> bool:
        values, flags, bare = self._link_words(args)
        name = self._device(values, bare)
        if name is None:
            self.refuse("E324", "`ip link set` without a device")
            return False
        if "dev" not in values and bare:
            bare = bare[1:]
        link = self.model.link(netns, name)
        if link is None:
            return self._unknown_device(name, netns)
        if "type" in values:
            link.touch(self.line)
            type_words = args[args.index("type") + 1:]
            if link.kind == "bridge" and type_words[:1] == ["bridge"]:
                return self._bridge_options(type_words[1:], link)
            self.refuse("E323", "link options by type (`ip link set ... type ...`): the lab language has none "
                        "(but a bridge's `vlan_filtering`)")
            return False
        if bare:
            self.refuse("E324", f"`ip link set` words nsgen does not know: {' '.join(bare)}", word=bare[0])
            return False
        link.touch(self.line)
        if "netns" in values:
            target = values["netns"]
            if target not in self.model.namespaces:
                self.refuse("E324", f"namespace '{target}' was never made by this script", word=target)
                return False
            self.model.drop_routes_through(link)
            link.netns, link.addresses, link.up, link.master = target, [], False, None
        if "name" in values:
            if self.model.link(link.netns, values["name"]) is not None:
                self.refuse("E324", f"a link '{values['name']}' is there already", word=values["name"])
                return False
            for other in self.model.links:
                if other.netns == link.netns and other.master == link.name:
                    other.master = values["name"]
            self.model.gone_names.add(link.name)
            link.name = values["name"]
        self._apply_link_options(link, values, flags)
        return True

    def _unknown_device(self, name: str, netns: str | None) -> bool:
        where = f"namespace '{netns}'" if netns else "the host"
        elsewhere = [link for link in self.model.links if link.name == name]
        hint = None
        if elsewhere:
            place = elsewhere[0].netns
            hint = (f"'{name}' is in namespace '{place}' by then: `ip -n {place} ...` or `ip netns exec {place} ...`"
                    if place else f"'{name}' is in the host by then: leave out `ip netns exec`/`-n`")
        if not elsewhere and netns is None and name not in self.model.gone_names:
            self.refuse("E323", f"'{name}' is an interface of the host the script did not make: a lab never changes "
                        "the host's own interfaces", "leave it out; a lab may use it as a parent (macvlan), an "
                        "underlay (vxlan dev) or in `out`/`in` of its NAT", word=name)
            return False
        self.refuse("E324", f"device '{name}' is not in {where} at this point of the script", hint, word=name)
        return False

    def link_del(self, args: list[str], netns: str | None) -> bool:
        values, _flags, bare = self._link_words(args)
        name = self._device(values, bare)
        link = self.model.link(netns, name) if name else None
        peer = self.model.gone_with_peer.get((netns, name or ""))
        if link is None and peer is not None:
            self.warn("W342", f"'{name}' is gone already: deleting one end of a veth ({peer}) deletes both "
                      f"(ip says: Cannot find device \"{name}\"); nothing left to delete",
                      "delete one end of a pair only", word=name)
            return False
        if link is None or name is None:
            return self._unknown_device(name or "?", netns)
        self.model.remove_link(link)
        return True

    # -- ip addr -----------------------------------------------------------------------------------
    def ip_addr(self, args: list[str], netns: str | None) -> bool:
        sub = match_word(args[0], ("add", "change", "replace", "delete", "show", "lst", "list", "flush", "save",
                                   "restore", "showdump", "help")) if args else "show"
        if sub in ("show", "lst", "list", "save", "showdump", "help"):
            return False
        if sub not in ("add", "replace", "change", "delete", "flush"):
            self.refuse("E324", f"`ip addr {args[0]}`: not understood", word=args[0])
            return False
        values, _flags, bare = self._link_words(args[1:])
        name = values.get("dev")
        if name is None:
            self.refuse("E324", f"`ip addr {sub}` without `dev IFNAME`")
            return False
        link = self.model.link(netns, name)
        if link is None:
            return self._unknown_device(name, netns)
        link.touch(self.line)
        if sub == "flush":
            link.addresses = []
            return True
        if not bare:
            self.refuse("E324", f"`ip addr {sub}` without an address")
            return False
        # `nodad` (IPv6: no duplicate address detection) is how nsgen adds every IPv6 address
        words = [w for w in bare if w != "nodad"]
        if not words:
            self.refuse("E324", f"`ip addr {sub}` without an address")
            return False
        text = words[1] if words[0] == "local" and len(words) > 1 else words[0]
        try:
            interface = ipaddress.ip_interface(text)
        except ValueError:
            self.refuse("E324", f"'{text}' is not an IPv4 or IPv6 address", word=text)
            return False
        if self.family is not None and self.family != interface.version:
            self.wrong_family(text, self.family, "address")
            return False
        given = "/" in text
        if sub == "delete":
            link.addresses = [a for a in link.addresses if a.interface.ip != interface.ip]
            return True
        if self.derived_link_local(link, interface):
            return True
        if not given:
            full, example = ("/32", "/24") if interface.version == 4 else ("/128", "/64")
            self.warn("W331", f"{text} has no prefix: ip takes it as {text}{full}, an address with no subnet "
                      "(no connected route, so no neighbour is reachable through it)",
                      f"write the prefix, e.g. {text}{example}; imported with the prefix of the subnet that holds it, "
                      "where the script has one", word=text)
        link.addresses = [a for a in link.addresses if a.interface.ip != interface.ip]
        link.addresses.append(Address(str(interface), self.line, given))
        return True

    @staticmethod
    def derived_link_local(link: Link, interface: ipaddress.IPv4Interface | ipaddress.IPv6Interface) -> bool:
        """The link-local address nsgen adds itself to an interface under `addrgenmode none`:
        `fe80::` and the interface part of its first IPv6 address, /64 (docs/language.md, IPv6 and
        dual-stack labs). The lab adds it again from that address, so it is no statement of its own."""
        if interface.version != 6 or not interface.ip.is_link_local or link.addrgenmode != "none":
            return False
        first = next((a for a in link.addresses if a.family == 6 and not a.interface.ip.is_link_local), None)
        return first is not None and str(interface) == link_local_of(first.text)

    # -- ip route ----------------------------------------------------------------------------------
    def ip_route(self, args: list[str], netns: str | None) -> bool:
        sub = match_word(args[0], ("add", "change", "replace", "prepend", "append", "test", "delete", "show",
                                   "list", "lst", "flush", "get", "save", "restore", "showdump", "help")) \
            if args else "show"
        if sub in ("show", "list", "lst", "get", "save", "showdump", "help", "test"):
            return False
        if sub not in ("add", "replace", "change", "delete", "append", "prepend"):
            self.refuse("E324", f"`ip route {args[0]}`: not understood", word=args[0])
            return False
        route = self._route_words(args[1:], netns)
        if route is None:
            return False
        same = [r for r in self.model.routes if r.netns == netns and r.destination == route.destination
                and r.family == route.family and (r.metric or 0) == (route.metric or 0)]
        if sub == "delete":
            self.model.routes = [r for r in self.model.routes if r not in same[:1]]
            return True
        if sub in ("replace", "change"):
            self.model.routes = [r for r in self.model.routes if r not in same]
        elif same:
            self.refuse("E324", f"a second route to {route.destination} with the same metric (ip says: File exists)")
            return False
        self.model.routes.append(route)
        for link in self.model.links:
            if link.netns == netns and link.name == route.dev:
                link.touch(self.line)
        return True

    def _route_words(self, args: list[str], netns: str | None) -> Route | None:
        destination: str | None = None
        gateway = dev = None
        metric: int | None = None
        onlink = False
        index = 0
        while index < len(args):
            word = args[index]
            value = args[index + 1] if index + 1 < len(args) else None
            if word == "via":
                if value in ("inet", "inet6") and index + 2 < len(args):
                    index += 1
                    value = args[index + 1]
                gateway = value
                index += 2
            elif word == "dev":
                dev = value
                index += 2
            elif word in ("metric", "preference", "priority"):
                metric = int(value) if value and value.isdigit() else None
                index += 2
            elif word == "onlink":
                onlink = True
                index += 1
            elif word in ("proto", "scope"):
                index += 2
            elif word in ("table", "src", "mtu", "advmss", "realm", "nexthop", "encap", "tos", "dsfield"):
                if word == "table" and value in ("main", "254"):
                    index += 2
                    continue
                self.refuse("E323", f"route option `{word}`: the lab language's routes have no {word}", word=word)
                return None
            elif word in ("unicast",):
                index += 1
            elif word in ("blackhole", "unreachable", "prohibit", "local", "broadcast", "throw", "nat", "multicast"):
                self.refuse("E323", f"a route of type {word}: the lab language's routes are unicast", word=word)
                return None
            elif destination is None:
                destination = "default" if word in ("default", "0.0.0.0/0", "all", "any") else word
                index += 1
            else:
                self.refuse("E324", f"`ip route` word nsgen does not know: {word}", word=word)
                return None
        if destination is None:
            self.refuse("E324", "`ip route` without a destination")
            return None
        families: list[tuple[int, str, str]] = []
        if destination != "default":
            try:
                network = ipaddress.ip_network(destination, strict=False)
            except ValueError:
                self.refuse("E324", f"'{destination}' is not an IPv4 or IPv6 destination", word=destination)
                return None
            destination = str(network)
            families.append((network.version, destination, "destination"))
        if gateway is not None:
            try:
                families.append((ipaddress.ip_address(gateway).version, gateway, "gateway"))
            except ValueError:
                self.refuse("E324", f"'{gateway}' is not an IPv4 or IPv6 gateway", word=gateway)
                return None
        for version, text, what in families:
            if self.family is not None and version != self.family:
                self.wrong_family(text, self.family, what)
                return None
        if len({version for version, _text, _what in families}) > 1:
            self.refuse("E325", f"the destination {destination} and the gateway {gateway} are of different "
                        "families (ip refuses it)", "give the route a gateway of its destination's family",
                        word=gateway)
            return None
        family = families[0][0] if families else (self.family or 4)
        if family == 6 and metric == 1024:
            metric = None  # the kernel's metric for an IPv6 route given none: the same route
        if destination in ("0.0.0.0/0", "::/0") and gateway is not None:
            destination = "default"  # the lab's `default` is the default route of its gateway's family
        elif destination == "default" and gateway is None and family == 6:
            destination = "::/0"  # the lab's `default` with `dev` and no gateway is IPv4's
        if dev is not None and self.model.link(netns, dev) is None and netns is not None:
            self._unknown_device(dev, netns)
            return None
        return Route(netns, destination, gateway, dev, metric, onlink, self.line, family)

    # -- brctl, ovs-vsctl --------------------------------------------------------------------------
    def bridge(self, words: list[str], netns: str | None) -> bool:
        """`bridge [-n NS] fdb append|add 00:00:00:00:00:00 dev VXLAN dst ADDRESS [self] [permanent]`:
        one more peer of a vxlan (head-end replication, `vxlan ... remote A, B`); `fdb del` of one
        takes it back. `show`, `monitor` only look; anything else (VLANs, other entries) is refused."""
        rest = words[1:]
        while rest and rest[0].startswith("-"):
            if rest[0] in ("-n", "-netns", "--netns") and len(rest) > 1:
                netns, rest = rest[1], rest[2:]
            else:
                rest = rest[1:]  # -d, -s, -j, -p, -c: output flags
        obj = rest[0] if rest else "link"
        sub = rest[1] if len(rest) > 1 else "show"
        if obj in ("monitor", "mon") or sub in ("show", "list", "lst", "get"):
            return False
        if obj == "fdb" and sub in ("append", "add", "del", "delete") and len(rest) > 2:
            return self._fdb(sub, rest[2], rest[3:], netns)
        if obj == "vlan" and sub in ("add", "del", "delete"):
            return self._bridge_vlan(sub, rest[2:], netns)
        self.refuse("E323", f"`bridge {obj} {sub}`: nsgen import reads `bridge fdb append` of a vxlan's peers "
                    "and `bridge vlan add|del` of veth ports only",
                    "write it into the lab by hand if the language has it, or leave it out", word=obj)
        return False

    def _bridge_vlan(self, sub: str, args: list[str], netns: str | None) -> bool:
        """`bridge [-n NS] vlan add|del dev PORT vid N[-M] [pvid] [untagged] [self] [master]`: a port's
        VLANs on a Linux bridge with VLAN filtering (`tag`/`trunk` on its veth, worked out when the lab
        is written: see Emitter._linux_vlans). `self` (the bridge's own VLAN) is the lab's to work out
        from its ports, so it is read and left out."""
        values: dict[str, str] = {}
        flags: set[str] = set()
        words = list(args)
        while words:
            word = words.pop(0)
            if word in ("dev", "vid") and words:
                values[word] = words.pop(0)
            elif word in ("pvid", "untagged", "self", "master"):
                flags.add(word)
            else:
                self.refuse("E323", f"`bridge vlan {sub}` option `{word}`: the lab's ports are access ports (`tag`) "
                            "or trunks (`trunk`)", word=word)
                return False
        low, _dash, high = values.get("vid", "").partition("-")
        if "dev" not in values or not low.isdigit() or not (high or low).isdigit() \
                or not 1 <= int(low) <= int(high or low) <= 4094:
            self.refuse("E324", "`bridge vlan` needs `dev PORT` and `vid N` (1-4094, or a range N-M)", word="vlan")
            return False
        port = self.model.link(netns, values["dev"])
        if port is None:
            return self._unknown_device(values["dev"], netns)
        port.touch(self.line)
        if "self" in flags and port.kind == "bridge":
            return True
        if port.kind != "veth":
            self.refuse("E323", f"VLANs on {port.name}, a {port.kind}: the lab's `tag` and `trunk` are on veth "
                        "ends plugged into a bridge", "leave them out, or link it through a veth", word="vlan")
            return False
        vlans = dict(item.split(":") for item in port.info.get("br_vlans", "1:pu").split(",") if item)
        for vid in range(int(low), int(high or low) + 1):
            if sub == "add":
                if "pvid" in flags:  # one pvid per port: a new one replaces the old
                    vlans = {v: f.replace("p", "") for v, f in vlans.items()}
                vlans[str(vid)] = ("p" if "pvid" in flags else "") + ("u" if "untagged" in flags else "")
            else:
                vlans.pop(str(vid), None)
        port.info["br_vlans"] = ",".join(f"{v}:{f}" for v, f in sorted(vlans.items(), key=lambda i: int(i[0])))
        port.info["br_vlan_line"], port.info["br_vlan_text"] = str(self.line), self.text.strip()
        return True

    def _fdb(self, sub: str, mac: str, args: list[str], netns: str | None) -> bool:
        flags = {"self", "permanent", "static"}
        values: dict[str, str] = {}
        index = 0
        while index < len(args):
            if args[index] in flags:
                index += 1
            elif index + 1 < len(args):
                values[args[index]] = args[index + 1]
                index += 2
            else:
                values[args[index]] = ""
                index += 1
        device = self.model.link(netns, values.get("dev", "")) if "dev" in values else None
        if mac != "00:00:00:00:00:00" or set(values) != {"dev", "dst"} or device is None or device.kind != "vxlan" \
                or "group" in device.info:
            self.refuse("E323", "a forwarding entry other than a vxlan's peer: nsgen import reads "
                        "`bridge fdb append 00:00:00:00:00:00 dev VXLAN dst ADDRESS` only",
                        "the lab language's vxlan takes its peers as `remote A, B, ...`", word="fdb")
            return False
        device.touch(self.line)
        peers = [p for p in device.info.get("fdb", "").split(",") if p]
        if sub in ("append", "add") and values["dst"] not in peers and values["dst"] != device.info.get("remote"):
            peers.append(values["dst"])
        elif sub in ("del", "delete"):
            peers = [p for p in peers if p != values["dst"]]
        device.info["fdb"] = ",".join(peers)
        return True

    def brctl(self, words: list[str], netns: str | None) -> bool:
        sub = words[1] if len(words) > 1 else "show"
        if sub in ("show", "showmacs", "showstp"):
            return False
        if sub == "addbr" and len(words) > 2:
            if self.model.link(netns, words[2]) is not None:
                self.refuse("E324", f"a link '{words[2]}' is there already", word=words[2])
                return False
            self.model.links.append(Link(self.model.new_uid(), words[2], netns, "bridge", self.line, [self.line]))
            return True
        if sub == "delbr" and len(words) > 2:
            return self.link_del([words[2]], netns)
        if sub in ("addif", "delif") and len(words) > 3:
            link = self.model.link(netns, words[3])
            if link is None:
                return self._unknown_device(words[3], netns)
            link.touch(self.line)
            if sub == "addif":
                self._set_master(link, words[2])
            else:
                link.master = None
            return True
        if sub == "stp" and len(words) > 3 and words[3] in ("off", "no", "0"):
            return False
        self.refuse("E323", f"`brctl {sub}`: the lab language's bridges have no such setting", word=sub)
        return False

    def ovs(self, words: list[str], netns: str | None) -> bool:
        """`ovs-vsctl [GLOBAL OPTIONS] COMMAND [-- COMMAND]...`: bridges (`add-br`, `del-br`), ports
        (`add-port BR PORT [tag=N] [trunks=N,M] [vlan_mode=access|trunk]`, `del-port`) and the Port
        columns `tag`, `trunks`, `vlan_mode` (`set port`, `clear port`); a bridge's `datapath_type`
        is read and left out (the lab picks the datapath itself). One transaction: the commands run
        in order, and a refused one refuses the line."""
        rest = words[1:]
        while rest and rest[0].startswith("-") and rest[0] != "--" and rest[0].split("=")[0] not in OVS_COMMAND_OPTIONS:
            option = rest.pop(0)
            if option in ("--dry-run",):
                return False
            if option in ("-t", "--timeout", "--db", "--format", "-f") and rest:
                rest.pop(0)  # the option's value, given as its own word
        commands: list[list[str]] = [[]]
        for word in rest:
            if word == "--":
                commands.append([])
            else:
                commands[-1].append(word)
        commands = [c for c in commands if c]
        if not commands:
            return False
        first = next((w for w in commands[0] if not w.startswith("-")), "show")
        if first in OVS_READ_ONLY:
            return False
        if netns is not None:
            self.refuse("E323", f"`ovs-vsctl {first}` inside namespace {netns}: Open vSwitch bridges live in the host "
                        "(ovs-vswitchd's namespace), and so do the lab's (`bridge NAME type ovs`)",
                        "run ovs-vsctl in the host, and plug namespaces in with veths", word=words[0])
            return False
        for command in commands:
            kinds = [w for w in command[3:] if w.startswith("type=")] if command[:2] == ["set", "interface"] else []
            if kinds:
                self.refuse("E323", f"an Open vSwitch interface of {kinds[0]} ({command[2]}): the lab's Open vSwitch "
                            "ports are veth ends (no internal, patch or tunnel ports)", "plug a veth end in "
                            "instead: `ip link add A type veth peer name B`, then `ovs-vsctl add-port BR B`",
                            word=kinds[0])
                return False
        # one transaction: a command refused leaves the line without effect (what it did before is undone)
        saved = [(link, link.master, dict(link.info)) for link in self.model.links]
        done = False
        for command in commands:
            result = self._ovs_command(command)
            if result is None:
                self.model.links = [link for link, _master, _info in saved]
                for link, master, info in saved:
                    link.master, link.info = master, info
                return False
            done = result or done
        return done

    def _ovs_command(self, command: list[str]) -> bool | None:
        """One ovs-vsctl command of a transaction: True when it changed the lab, None when refused."""
        options = [w for w in command if w.startswith("--")]
        args = [w for w in command if not w.startswith("--")]
        sub, args = args[0] if args else "show", args[1:]
        may_exist, if_exists = "--may-exist" in options, "--if-exists" in options
        if sub in OVS_READ_ONLY:
            return False
        if sub == "add-br" and len(args) == 1:
            name = args[0]
            found = self.model.link(None, name)
            if found is not None:
                if may_exist and found.kind == "bridge" and found.info.get("ovs"):
                    return False
                self.refuse("E324", f"a link '{name}' is there already (ovs-vsctl says: cannot create a bridge named "
                            f"{name} because a bridge named {name} already exists)", "give it `--may-exist`, or leave "
                            "the line out", word=name)
                return None
            self.model.links.append(Link(self.model.new_uid(), name, None, "bridge", self.line, [self.line],
                                         info={"ovs": "1"}, where=self.span(name)))
            return True
        if sub == "add-br":
            self.refuse("E323", "an Open vSwitch fake bridge (`add-br NAME PARENT VLAN`): the lab language has none",
                        "give the ports `tag N` on the parent bridge instead", word="add-br")
            return None
        if sub == "del-br" and len(args) == 1:
            bridge = self._ovs_bridge(args[0], if_exists)
            if bridge is None:
                return None if not if_exists else False
            self.model.remove_link(bridge)
            return True
        if sub == "add-port" and len(args) >= 2:
            bridge = self._ovs_bridge(args[0], False)
            if bridge is None:
                return None
            link = self.model.link(None, args[1])
            if link is None:
                self._unknown_device(args[1], None)
                return None
            if link.master is not None and link.master != bridge.name:
                self.refuse("E324", f"'{link.name}' is a port of {link.master} already", word=args[1])
                return None
            if link.kind != "veth":
                self.refuse("E323", f"a {link.kind} as an Open vSwitch port: the lab's Open vSwitch ports are veth "
                            "ends", "link it to the switch with a veth", word=args[1])
                return None
            if link.master == bridge.name:
                if may_exist:
                    return False
                self.refuse("E324", f"'{link.name}' is a port of {bridge.name} already (ovs-vsctl says: cannot "
                            "create a port that already exists)", "give it `--may-exist`", word=args[1])
                return None
            link.master = bridge.name
            _clear_ovs_port(link)
            link.touch(self.line)
            return self._ovs_port_columns(link, args[2:])
        if sub == "del-port" and args:
            name = args[-1]
            link = self.model.link(None, name)
            if link is None or link.master is None or not self._is_ovs(link.master):
                if if_exists:
                    return False
                self.refuse("E324", f"'{name}' is no Open vSwitch port of this script's", word=name)
                return None
            link.master = None
            _clear_ovs_port(link)
            link.touch(self.line)
            return True
        if sub in ("set", "clear", "remove", "add") and len(args) >= 2:
            return self._ovs_set(sub, args[0].lower(), args[1], args[2:], if_exists)  # tables: any case
        self.refuse("E323", f"`ovs-vsctl {sub}`: the lab language's Open vSwitch has bridges and veth ports with "
                    "`tag`/`trunk` only", "leave it out, or do it by hand after setup", word=sub)
        return None

    def _is_ovs(self, name: str) -> bool:
        bridge = self.model.link(None, name)
        return bridge is not None and bridge.kind == "bridge" and bool(bridge.info.get("ovs"))

    def _ovs_bridge(self, name: str, quiet: bool) -> Link | None:
        bridge = self.model.link(None, name)
        if bridge is not None and bridge.kind == "bridge" and bridge.info.get("ovs"):
            return bridge
        if not quiet:
            self.refuse("E324", f"no Open vSwitch bridge '{name}' made by this script (ovs-vsctl says: no bridge named "
                        f"{name})", f"make it first: `ovs-vsctl add-br {name}`", word=name)
        return None

    def _ovs_set(self, sub: str, table: str, record: str, columns: list[str], if_exists: bool) -> bool | None:
        """`set|clear|remove|add TABLE RECORD ...` on a bridge's datapath or a port's VLANs."""
        defaults = all(c.startswith("datapath_type=") or c in OVS_BRIDGE_DEFAULTS for c in columns)
        if table == "bridge" and sub == "set" and columns and defaults:
            bridge = self._ovs_bridge(record, if_exists)
            if bridge is None:
                return None if not if_exists else False
            # the lab's setup picks the datapath (system where the module is loaded, else netdev); STP off
            # is Open vSwitch's default, and the lab's
            return False
        if table != "port":
            self.refuse("E323", f"`ovs-vsctl {sub} {table}`: the lab language sets an Open vSwitch port's `tag` and "
                        "`trunks` only (and leaves the datapath to setup)", "leave it out, or do it by hand after "
                        "setup", word=table)
            return None
        link = self.model.link(None, record)
        if link is None or link.master is None or not self._is_ovs(link.master):
            if if_exists:
                return False
            self.refuse("E324", f"'{record}' is no Open vSwitch port of this script's by then", f"add it first: "
                        f"`ovs-vsctl add-port BRIDGE {record}`", word=record)
            return None
        link.touch(self.line)
        if sub == "clear":
            link.info["ovs_line"], link.info["ovs_text"] = str(self.line), self.text.strip()
            for column in columns:
                if column not in OVS_PORT_COLUMNS:
                    self.refuse("E323", f"port column `{column}`: the lab language sets `tag`, `trunks` and "
                                "`vlan_mode` only", word=column)
                    return None
                link.info.pop(f"ovs_{column}", None)
            return True
        if sub == "set":
            return self._ovs_port_columns(link, columns)
        self.refuse("E323", f"`ovs-vsctl {sub} port`: nsgen import reads `set` and `clear` of a port's VLANs",
                    "write the whole value: `ovs-vsctl set port PORT trunks=10,20`", word=sub)
        return None

    def _ovs_port_columns(self, link: Link, columns: list[str]) -> bool | None:
        """`tag=N`, `trunks=N,M` (also `[N,M]`, `"N M"`), `vlan_mode=access|trunk` on a port."""
        link.info["ovs_line"], link.info["ovs_text"] = str(self.line), self.text.strip()  # for the emitter's refusals
        for column in columns:
            key, _, value = column.partition("=")
            value = value.strip().strip("\"'[]{} ")
            if key not in OVS_PORT_COLUMNS:
                self.refuse("E323", f"port column `{key}`: the lab language's Open vSwitch ports have a VLAN "
                            "(`tag`) or VLANs they carry (`trunks`) only", "leave it out, or set it by hand after "
                            "setup", word=column)
                return None
            if key == "vlan_mode" and value not in ("access", "trunk", ""):
                self.refuse("E323", f"vlan_mode {value}: the lab language's Open vSwitch ports are access ports "
                            "(`tag`) or trunks (`trunk`)", "use `tag=N` or `trunks=N,M`", word=column)
                return None
            numbers = [v for v in re.split(r"[,\s]+", value) if v]
            if key in ("tag", "trunks") and not all(v.isdigit() for v in numbers):
                self.refuse("E324", f"`{column}`: VLANs are numbers", word=column)
                return None
            if value:
                link.info[f"ovs_{key}"] = ",".join(numbers) if key != "vlan_mode" else value
            else:
                link.info.pop(f"ovs_{key}", None)
        return True

    # -- sysctls, ping ---------------------------------------------------------------------------
    def sysctl(self, words: list[str], netns: str | None) -> bool:
        if any(w in ("-p", "--load", "--system") or w.startswith("--load=") for w in words[1:]):
            self.refuse("E322", "`sysctl -p`/`--system` loads settings from files nsgen import cannot see",
                        "write the settings themselves: sysctl -w KEY=VALUE", word=words[0])
            return False
        settings = [w for w in words[1:] if "=" in w and not w.startswith("-")]
        if not settings:
            return False
        done = False
        for setting in settings:
            key, _, value = setting.partition("=")
            done = self.set_sysctl(key.replace("/", "."), value, netns, setting) or done
        return done

    def set_sysctl(self, key: str, value: str, netns: str | None, word: str) -> bool:
        if not key.startswith("net."):
            self.refuse("E323", f"sysctl {key}: the lab language sets net.* sysctls only", word=word)
            return False
        self.model.sysctls[(netns, key)] = Sysctl(netns, key, value.strip(), self.line)
        return True

    def echo(self, words: list[str], netns: str | None) -> bool:
        assert self.command is not None
        command = self.command
        targets = [r.target for r in command.redirects if r.op in (">", ">>")]
        piped = [w for w in (command.pipe_to.words if command.pipe_to is not None else []) if w != "sudo"]
        if piped and os.path.basename(piped[0]) == "tee":
            targets += [w for w in piped[1:] if not w.startswith("-")]
        if words[0] == "tee":
            return False
        proc = [t for t in targets if t.startswith("/proc/sys/")]
        if not proc:
            return False
        value = " ".join(w for w in words[1:] if not w.startswith("-"))
        key = proc[0][len("/proc/sys/"):].replace("/", ".")
        return self.set_sysctl(key, value, netns, proc[0])

    def ping(self, words: list[str], netns: str | None) -> bool:
        with_value = {"-c", "-W", "-w", "-i", "-s", "-I", "-t", "-l", "-p", "-Q", "-S", "-M"}
        targets = []
        index = 1
        while index < len(words):
            if words[index] in with_value:
                index += 2
                continue
            if not words[index].startswith("-"):
                targets.append(words[index])
            index += 1
        if targets:
            try:
                ipaddress.ip_address(targets[-1])
            except ValueError:
                return False
            self.model.expects.append(Expect(netns or "host", targets[-1], self.line))
            self.probe = True
        return False
