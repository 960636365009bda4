"""Firewall commands read for their meaning: `iptables` (and `iptables-restore` input), `nft`
commands and `nft -f` rulesets become rules that `finish` turns into `nat masquerade` and
`forward` lines, once the whole script is read (a chain is known by the hook that jumps to it)."""

from __future__ import annotations

import ipaddress
import re
import shlex
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from nsgen.importer.model import AddressForward, Forward, Masquerade, Model, Redirect
from nsgen.importer.report import Report
from nsgen.importer.router import read_forwarding

if TYPE_CHECKING:
    from nsgen.importer.interpret import Interpreter

BUILTIN = {"PREROUTING", "POSTROUTING", "FORWARD", "INPUT", "OUTPUT"}
NFT_HOOKS = {"prerouting": "PREROUTING", "postrouting": "POSTROUTING", "forward": "FORWARD", "input": "INPUT",
             "output": "OUTPUT"}


@dataclass
class Rule:
    """One rule's meaning: what it matches and what it does."""

    table: str
    chain: str
    line: int
    column: int
    end_column: int
    text: str
    source: str | None = None
    destination: str | None = None
    not_destination: str | None = None
    not_source: str | None = None
    """nft's `saddr != { ... }` / `daddr != { ... }`: the excluded subnets, joined by commas."""
    original_destination: str | None = None
    """`--ctorigdst ADDRESS` (nft `ct original ip daddr ADDRESS`): a whole-address forward's accept."""
    original_dport: str | None = None
    """`--ctorigdstport PORT` (nft `ct original proto-dst PORT`): a port forward's accept in a namespace."""
    protocol: str | None = None
    dport: str | None = None
    sport: str | None = None
    in_interface: str | None = None
    out_interface: str | None = None
    target: str | None = None
    to: str | None = None
    states: str | None = None
    local: bool = False
    extra: list[str] = field(default_factory=list)
    family: int | None = None
    """4 (iptables), 6 (ip6tables), or None (an nft rule: its addresses say, `ip`/`ip6`)."""


class Firewall:
    """Collects the script's rules; `finish` turns them into the model's NAT."""

    def __init__(self, model: Model, report: Report, interpreter: Interpreter) -> None:
        self.model = model
        self.report = report
        self.interp = interpreter
        self.rules: list[Rule] = []
        self.jumps: dict[tuple[str, str], str] = {}
        """(table, user chain) -> the built-in chain that jumps to it."""
        self.nft_hooks: dict[tuple[str, str], str] = {}
        """(nft table, chain) -> its hook, as an iptables built-in chain name."""
        self.skip_tables: set[str] = set()
        self.netns: str | None = None
        """The namespace whose rules these are (None: the host's)."""
        self.children: dict[str, Firewall] = {}
        """The rules inside each namespace (`ip netns exec NS iptables...`/`nft`), apart."""
        self.chain_block: tuple[str, str] | None = None
        """The chain of `nft add chain T C { ... }`, whose `policy` comes after its hook."""
        self.policies: list[Rule] = []
        """DROP policies of a namespace's FORWARD (`-P FORWARD DROP`, nft `policy drop`): `router NS deny`."""

    def split(self, text: str, line: int, raw: str) -> list[str] | None:
        """A rule's words (POSIX quoting), or None, refused, when a quote is never closed."""
        try:
            return shlex.split(text, comments=False)
        except ValueError:
            rule = Rule("", "", line, 1, len(raw.rstrip()) + 1, raw)
            self._refuse(rule, "a quote that is never closed", code="E324")
            return None

    # -- iptables ----------------------------------------------------------------------------------
    def iptables(self, words: list[str], netns: str | None) -> bool:
        if netns is not None:
            if any(w in ("-L", "-S", "--list", "-nL", "-nvL", "-vnL") for w in words):
                return False
            return self.inside(netns).iptables(words, None)
        return self.iptables_words(words[1:], "filter", self.interp.line, self.interp.text, self.family_of(words[0]))

    @staticmethod
    def family_of(tool: str) -> int:
        """6 for ip6tables (and its -restore, -legacy, -nft forms), else 4."""
        return 6 if tool.rsplit("/", 1)[-1].startswith("ip6tables") else 4

    def ip6tables(self, words: list[str], netns: str | None) -> bool:
        return self.iptables(words, netns)

    def ip6tables_restore(self, words: list[str], netns: str | None) -> bool:
        return self.iptables_restore(words, netns)

    def iptables_words(self, args: list[str], table: str, line: int, text: str, family: int = 4) -> bool:
        command = chain = None
        index = 0
        rule = Rule(table, "", line, 1, len(text) + 1, text, family=family)
        negate = False
        policy = None
        while index < len(args):
            word = args[index]
            value = args[index + 1] if index + 1 < len(args) else ""
            step = 2
            if word == "!":
                negate, step = True, 1
            elif word in ("-t", "--table"):
                rule.table = table = value
            elif word in ("-A", "--append", "-I", "--insert", "-D", "--delete", "-N", "--new-chain", "-F", "--flush",
                          "-X", "--delete-chain", "-P", "--policy", "-L", "--list", "-S", "--list-rules", "-C",
                          "--check", "-Z", "--zero", "-R", "--replace"):
                command = word.lstrip("-")[0].upper() if word.startswith("--") is False else {
                    "append": "A", "insert": "I", "delete": "D", "new-chain": "N", "flush": "F",
                    "delete-chain": "X", "policy": "P", "list": "L", "list-rules": "S", "check": "C", "zero": "Z",
                    "replace": "R"}[word[2:]]
                chain = value if value and not value.startswith("-") else None
                step = 2 if chain else 1
                if command == "I" and index + 2 < len(args) and args[index + 2].isdigit():
                    step = 3
                if command == "P" and index + 2 < len(args):
                    policy = args[index + 2]
                    step = 3
            elif word in ("-s", "--source", "--src"):
                rule.source = value
            elif word in ("-d", "--destination", "--dst"):
                if negate:
                    rule.not_destination = value
                else:
                    rule.destination = value
            elif word in ("-p", "--protocol"):
                rule.protocol = value
            elif word in ("--dport", "--destination-port"):
                rule.dport = value
            elif word in ("--sport", "--source-port"):
                rule.sport = value
            elif word in ("-i", "--in-interface"):
                rule.in_interface = value
            elif word in ("-o", "--out-interface"):
                rule.out_interface = value
            elif word in ("-j", "--jump", "-g", "--goto"):
                rule.target = value
            elif word in ("--to-destination", "--to-source", "--to", "--to-ports"):
                rule.to = value
            elif word in ("--ctstate", "--state"):
                rule.states = value
            elif word == "--ctorigdst":
                rule.original_destination = value
            elif word == "--ctorigdstport":
                rule.original_dport = value
            elif word == "--dst-type":
                rule.local = value == "LOCAL"
            elif word in ("-m", "--match", "--comment"):
                pass
            elif word in ("-w", "--wait"):
                step = 2 if value.isdigit() else 1
            elif word in ("-n", "-v", "--numeric", "--verbose", "-4", "-6", "--ipv4", "--ipv6"):
                step = 1
            else:
                rule.extra.append(word)
                step = 1
            if word != "!":
                negate = False
            index += step
        if command in ("L", "S", "C", None, "Z"):
            return False
        if chain is None and command not in ("F", "X"):
            self._refuse(rule, f"`iptables -{command}` without a chain", "name the chain: iptables -A CHAIN ...",
                         code="E324")
            return False
        rule.chain = chain or ""
        return self._iptables_command(command, rule, policy)

    def _iptables_command(self, command: str, rule: Rule, policy: str | None) -> bool:
        if command == "N" or command == "X":
            return False
        if command == "F":
            self.rules = [r for r in self.rules if not (r.table == rule.table and r.family == rule.family
                                                        and rule.chain in ("", r.chain))]
            return True
        if command == "P":
            if policy == "ACCEPT":
                return False
            if policy == "DROP" and self.netns is not None and rule.chain == "FORWARD" and rule.table == "filter":
                self.policies.append(rule)  # a namespace that forwards only what it accepts: `router NS deny`
                return True
            self._refuse(rule, f"a {policy} policy for {rule.chain}: the lab language changes no policies",
                         "nsgen loads accepts for the lab's own traffic (docs/language.md, Hosts with a firewall)")
            return False
        if command == "D":
            same = [r for r in self.rules if _key(r) == _key(rule)]
            if same:
                self.rules.remove(same[0])
            return True
        if rule.target and rule.target not in ("ACCEPT", "DROP", "REJECT", "MASQUERADE", "SNAT", "DNAT",
                                               "REDIRECT", "RETURN", "LOG") and rule.table in ("nat", "filter"):
            self.jumps[(rule.table, rule.target)] = rule.chain
            return False
        self.rules.append(rule)
        return True

    def iptables_restore(self, words: list[str], netns: str | None) -> bool:
        command = self.interp.command
        assert command is not None
        if netns is not None:
            return self.inside(netns).iptables_restore(words, None)
        if command.stdin is None:
            self.interp.refuse("E324", "iptables-restore reading a file nsgen import cannot see",
                               "paste the rules into a here-document: iptables-restore <<'EOF' ... EOF")
            return False
        table = "filter"
        done = False
        for offset, text in enumerate(command.stdin.split("\n"), start=1):
            stripped = text.strip()
            if stripped.startswith("*"):
                table = stripped[1:]
            elif stripped.startswith(("-A ", "-I ", "-D ", "-N ", "-F", "-X")):
                rule_words = self.split(stripped, command.line + offset, text)
                if rule_words is not None:
                    done = self.iptables_words(["-t", table, *rule_words], table, command.line + offset,
                                               text, self.family_of(words[0])) or done
            elif stripped.startswith(":"):
                parts = stripped[1:].split()
                if len(parts) > 1 and parts[1] not in ("-", "ACCEPT"):
                    rule = Rule(table, parts[0], command.line + offset, 1, len(text) + 1, text,
                                family=self.family_of(words[0]))
                    if parts[1] == "DROP" and self.netns is not None and parts[0] == "FORWARD" and table == "filter":
                        self.policies.append(rule)
                        done = True
                        continue
                    self._refuse(rule, f"a {parts[1]} policy for {parts[0]}: the lab language changes no policies")
        return done

    # -- nft ---------------------------------------------------------------------------------------
    def nft(self, words: list[str], netns: str | None) -> bool:
        command = self.interp.command
        assert command is not None
        args = words[1:]
        if netns is not None:
            if any(a in ("list", "monitor") for a in args):
                return False
            return self.inside(netns).nft(words, None)
        while args and args[0].startswith("-") and args[0] not in ("-f", "--file"):
            args = args[1:]
        if args[:1] in (["-f"], ["--file"]):
            if args[1:2] == ["-"] and command.stdin is not None:
                return self.nft_text(command.stdin, command.line + 1)
            self.interp.refuse("E324", "nft reading a file nsgen import cannot see",
                               "paste the ruleset into a here-document: nft -f - <<'EOF' ... EOF")
            return False
        text = " ".join(args)
        return self.nft_text(text, command.line, single=True)

    def nft_text(self, text: str, first_line: int, single: bool = False, skip: set[str] | None = None) -> bool:
        """An nft script (or one command line): tables, chains with hooks, rules; rules of tables
        named in `skip` are left out."""
        self.skip_tables = skip or set()
        self.chain_block = None
        done = False
        context: list[str] = []
        for offset, raw in enumerate(text.split("\n")):
            line = first_line if single else first_line + offset
            content = re.sub(r"(?<![\"\w])#.*", "", raw).strip()
            for statement in re.split(r";\s*|\n", content):
                statement = statement.strip()
                if not statement:
                    continue
                split = self.split(statement.replace("{", " { ").replace("}", " } "), line, raw)
                if split is None:
                    continue
                words = split
                done = self._nft_statement(words, context, line, raw) or done
        return done

    def _nft_statement(self, words: list[str], context: list[str], line: int, raw: str) -> bool:
        while words:
            if words[0] == "}":
                if context:
                    context.pop()
                words = words[1:]
                continue
            if words[0] in ("add", "create", "insert", "delete", "flush", "list", "destroy", "replace"):
                verb = words[0]
                if verb in ("list",):
                    return False
                if verb in ("delete", "flush", "destroy") and words[1:2] in (["table"], ["ruleset"]):
                    name = words[-1] if words[1] == "table" else None
                    self.rules = [r for r in self.rules if name is not None and r.table != f"nft:{name}"]
                    return True
                if words[1:2] == ["rule"]:
                    rest = words[2:]
                    table_name, chain_name, tokens = _nft_target(rest)
                    return self._nft_rule(table_name, chain_name, tokens, line, raw)
                words = words[1:]
                continue
            if words[0] == "table" and len(words) > 1:
                name = words[2] if len(words) > 2 and words[2] != "{" else words[1]
                context[:] = [name]
                if "{" not in words:
                    return False
                words = words[words.index("{") + 1:]
                continue
            if words[0] == "chain":
                rest = [w for w in words[1:] if w != "{"]
                names = rest[:3] if len(rest) >= 3 and rest[0] in ("ip", "ip6", "inet") else rest[:2]
                if len(context) == 1 and "{" in words and words.index("{") == 2:
                    # `chain NAME {` inside a table, its block on the following lines or on this one
                    # (`chain pre { type nat hook prerouting priority dstnat; policy accept; RULE; }`)
                    context.append(words[1])
                    words = words[words.index("{") + 1:]
                    continue
                table_name = names[-2] if len(names) >= 2 else (context[0] if context else "")
                chain_name = names[-1] if names else ""
                if "{" in words:
                    block = words[words.index("{") + 1:]
                    if "hook" in block[:-1]:
                        hook = block[block.index("hook") + 1]
                        self.nft_hooks[(table_name, chain_name)] = NFT_HOOKS.get(hook, hook)
                    self.chain_block = (table_name, chain_name)  # `add chain T C { ...; policy drop; }`
                return False
            if words[0] == "type" and "hook" in words[:-1] and len(context) >= 2:
                hook = words[words.index("hook") + 1]
                self.nft_hooks[(context[0], context[1])] = NFT_HOOKS.get(hook, hook)
                return False
            if words[0] in ("policy",):
                where = context[:2] if len(context) >= 2 else list(self.chain_block or ())
                if words[1:2] not in (["accept"], []) and len(where) == 2:
                    rule = Rule(f"nft:{where[0]}", where[1], line, 1, len(raw) + 1, raw)
                    if words[1:2] == ["drop"] and self.netns is not None:
                        self.policies.append(rule)  # its hook is known at the end (`finish`)
                        return True
                    self._refuse(rule, f"a {words[1]} policy: the lab language changes no policies")
                return False
            if len(context) >= 2:
                return self._nft_rule(context[0], context[1], words, line, raw)
            return False
        return False

    def _nft_rule(self, table: str, chain: str, tokens: list[str], line: int, raw: str) -> bool:
        if table in self.skip_tables:
            return False
        rule = Rule(f"nft:{table}", chain, line, 1, len(raw.rstrip()) + 1, raw)
        index = 0
        while index < len(tokens):
            word = tokens[index]
            nxt = tokens[index + 1] if index + 1 < len(tokens) else ""
            after = tokens[index + 2] if index + 2 < len(tokens) else ""
            negated = nxt == "!="
            value = after if negated else nxt
            step = 3 if negated else 2
            if word in ("ip", "ip6") and nxt in ("saddr", "daddr"):
                rule.family = 4 if word == "ip" else 6
                negated = after == "!="
                value = (tokens[index + 3] if index + 3 < len(tokens) else "") if negated else after
                if negated and value == "{" and "}" in tokens[index + 4:]:
                    close = tokens.index("}", index + 4)
                    items = ",".join(t.strip(",") for t in tokens[index + 4:close] if t.strip(","))
                    setattr(rule, "not_source" if nxt == "saddr" else "not_destination", items)
                    index = close + 1
                    continue
                if nxt == "saddr":
                    rule.source = value
                elif negated:
                    rule.not_destination = value
                else:
                    rule.destination = value
                step = 4 if negated else 3
            elif word in ("tcp", "udp") and nxt in ("dport", "sport"):
                rule.protocol = word
                setattr(rule, nxt, after)
                step = 3
            elif word == "meta" and nxt == "l4proto":
                rule.protocol = after
                step = 3
            elif word in ("iifname", "iif"):
                rule.in_interface = value
            elif word in ("oifname", "oif"):
                rule.out_interface = value
            elif word == "fib" and tokens[index:index + 4] == ["fib", "daddr", "type", "local"]:
                rule.local = True
                step = 4
            elif word == "ct" and nxt == "state":
                rule.states = after
                step = 3
            elif word == "ct" and nxt == "original" and after in ("ip", "ip6") \
                    and tokens[index + 3:index + 4] == ["daddr"]:
                rule.original_destination = tokens[index + 4] if index + 4 < len(tokens) else ""
                step = 5
            elif word == "ct" and nxt == "original" and after == "proto-dst":
                rule.original_dport = tokens[index + 3] if index + 3 < len(tokens) else ""
                step = 4
            elif word == "ct" and nxt == "status":
                rule.states = after.upper()  # `ct status dnat`: a forward's hairpin (as --ctstate DNAT)
                step = 3
            elif word in ("counter",):
                step = 1
            elif word == "comment":
                step = 2
            elif word in ("masquerade", "accept", "drop", "reject", "return"):
                rule.target = {"masquerade": "MASQUERADE", "accept": "ACCEPT", "drop": "DROP",
                               "reject": "REJECT", "return": "RETURN"}[word]
                step = 1
            elif word in ("snat", "dnat", "redirect"):
                rule.target = word.upper()
                rest = tokens[index + 1:]
                if rest[:1] in (["ip"], ["ip6"]):
                    rule.family = 4 if rest[0] == "ip" else 6
                    rest = rest[1:]
                if rest[:1] == ["to"]:
                    rule.to = rest[1] if len(rest) > 1 else None
                step = len(tokens)
            elif word in ("jump", "goto"):
                self.jumps[(f"nft:{table}", nxt)] = chain
                return False
            else:
                rule.extra.append(word)
                step = 1
            index += step
        if rule.to and rule.target == "REDIRECT" and rule.to.startswith(":"):
            rule.to = rule.to[1:]
        self.rules.append(rule)
        return True

    # -- meaning -----------------------------------------------------------------------------------
    def _refuse(self, rule: Rule, reason: str, hint: str | None = None, code: str = "E323") -> None:
        self.report.refuse(code, reason, self.report.span(rule.line, rule.column, rule.end_column), rule.text, hint)

    def _wrong_family(self, rule: Rule, text: str, what: str) -> None:
        """E325: an address of the other family than the rule's (iptables/ip6tables, nft's ip/ip6)."""
        names = {4: "IPv4", 6: "IPv6"}
        family = rule.family or 4
        tool = "ip6tables" if family == 4 else "iptables"
        self._refuse(rule, f"the {what} {text} is {names[6 if family == 4 else 4]}, but the rule is for "
                     f"{names[family]} only", f"write the rule for {tool} (nft: `{'ip6' if family == 4 else 'ip'}`)",
                     code="E325")

    def hook_of(self, rule: Rule) -> str:
        """The built-in chain (hook) a rule's chain hangs from."""
        chain, seen = rule.chain, 0
        while seen < 8:
            if rule.table.startswith("nft:"):
                hook = self.nft_hooks.get((rule.table[4:], chain))
                if hook:
                    return hook
            elif chain in BUILTIN:
                return chain
            parent = self.jumps.get((rule.table, chain))
            if parent is None:
                return chain
            chain, seen = parent, seen + 1
        return chain

    def finish(self) -> list[int]:
        """Turn the rules into the model's NAT; the lines of rules that are the lab's own accepts."""
        accepts: list[Rule] = []
        parts: list[Rule] = []
        inputs: list[Rule] = []
        forwarding: list[Rule] = []
        for rule in self.rules:
            hook = self.hook_of(rule)
            if _forward_part(rule, hook) or (self.netns is not None and rule.target == "REDIRECT"
                                             and hook == "OUTPUT"):
                parts.append(rule)
                continue
            if self.netns is not None and hook == "INPUT":
                inputs.append(rule)
                continue
            if self.netns is not None and hook == "FORWARD":
                forwarding.append(rule)
                continue
            if rule.target in ("MASQUERADE", "SNAT") and hook == "POSTROUTING":
                self._masquerade(rule)
            elif rule.target == "DNAT" and hook == "PREROUTING":
                self._dnat(rule)
            elif rule.target == "REDIRECT" and self.netns is None:
                self._refuse(rule, "REDIRECT in the host (to a port of the host itself): the lab's `redirect` "
                             "lives inside a namespace, and the host's ports are left alone (E197)",
                             "redirect inside a namespace: `ip netns exec NS iptables -t nat -A PREROUTING -p tcp "
                             "--dport PORT -j REDIRECT --to-ports PORT2` is `redirect NS tcp PORT -> PORT2`; or "
                             "forward to a namespace: `forward tcp PORT -> ADDRESS:PORT`")
            elif rule.target == "REDIRECT" and hook == "PREROUTING":
                self._redirect(rule)
            elif rule.target == "REDIRECT":
                self._refuse(rule, f"REDIRECT in {hook}: the lab's `redirect` is a PREROUTING REDIRECT (with the "
                             "OUTPUT one of the namespace's own connections to its addresses)",
                             "redirect in PREROUTING: `-t nat -A PREROUTING -p tcp --dport PORT -j REDIRECT "
                             "--to-ports PORT2`")
            elif rule.target == "DNAT":
                self._refuse(rule, f"DNAT in {hook}: the lab language's forwards are PREROUTING DNAT only")
            elif rule.target == "ACCEPT" and hook == "FORWARD":
                accepts.append(rule)
            elif rule.target in ("RETURN", "LOG") or rule.target is None:
                continue
            else:
                self._refuse(rule, f"a filter rule ({rule.target or 'no target'} in {hook}): the lab language has "
                             "no filter rules; nsgen loads only the accepts its bridges, NAT and forwards need",
                             "leave it out, or add it by hand after setup")
        for policy in [p for p in self.policies if self.hook_of(p) != "FORWARD"]:
            self.policies.remove(policy)
            self._refuse(policy, f"a DROP policy of {self.hook_of(policy)}: the lab language changes no policies but "
                         "a namespace's FORWARD (`router NS deny`)", "leave it out; `isolate NS` closes INPUT")
        if forwarding or self.policies:
            accepts += read_forwarding(self, forwarding)
        self._forward_parts(parts)
        self._isolation(inputs)
        self._finish_inside()
        return self._covered(accepts)

    def _masquerade(self, rule: Rule) -> None:
        if rule.source is None:
            subnets = self._lab_subnets(rule.family)
            if rule.out_interface is None or not subnets:
                self._refuse(rule, "MASQUERADE of all traffic (no -s SUBNET): the lab language's masquerade names "
                             "a subnet", "add `-s SUBNET` (the lab's subnet behind the host)")
                return
            self.report.warn("W343", f"MASQUERADE of everything leaving by {rule.out_interface} (no -s): imported "
                             f"as a masquerade of each of the lab's subnets in the host ({', '.join(subnets)})",
                             self.report.span(rule.line, rule.column, rule.end_column),
                             "name the subnet with `-s SUBNET`, so that only the lab's traffic is rewritten")
            for subnet in subnets:
                if not any(m.subnet == subnet and m.out_interface == rule.out_interface
                           for m in self.model.masquerades):
                    self.model.masquerades.append(Masquerade(subnet, rule.out_interface, rule.line))
            return
        try:
            network = ipaddress.ip_network(rule.source, strict=False)
        except ValueError:
            self._refuse(rule, f"'{rule.source}' is not an IPv4 or IPv6 subnet", code="E324")
            return
        if rule.family is not None and network.version != rule.family:
            self._wrong_family(rule, rule.source, "source")
            return
        subnet = str(network)
        if rule.target == "SNAT":
            self.report.warn("W336", f"SNAT --to-source {rule.to}: the lab language has MASQUERADE only (the "
                             "address of the interface the packets leave by); imported as `nat masquerade`",
                             self.report.span(rule.line, rule.column, rule.end_column),
                             "the same as long as the SNAT address is the outgoing interface's own")
        if not any(m.subnet == subnet and m.out_interface == rule.out_interface for m in self.model.masquerades):
            self.model.masquerades.append(Masquerade(subnet, rule.out_interface, rule.line))

    def _lab_subnets(self, family: int | None = None) -> list[str]:
        """The subnets of the script's links in the host (bridges, host veth ends), in order."""
        found: list[str] = []
        for link in self.model.links:
            if link.netns is None and link.kind in ("bridge", "veth") and link.master is None:
                for address in [a for a in link.addresses if family in (None, a.family)]:
                    network = str(address.interface.network)
                    if address.prefix_given and network not in found and not address.interface.ip.is_link_local \
                            and address.interface.network.prefixlen < address.interface.max_prefixlen:
                        found.append(network)
        return found

    def _dnat(self, rule: Rule) -> None:
        span = self.report.span(rule.line, rule.column, rule.end_column)
        port = rule.dport
        if port is None and rule.destination is not None and rule.destination.isdigit():
            self.report.warn("W333", f"`-d {rule.destination}` is a destination address (iptables reads it as "
                             f"0.0.0.{rule.destination}), not a port; read as `--dport {rule.destination}`",
                             span, f"write `-p tcp --dport {rule.destination}`")
            port, rule.destination = rule.destination, None
        if port is None and rule.protocol is None and rule.destination is not None and self.netns is not None:
            self._address_forward(rule)
            return
        if port is None and rule.protocol is None and rule.destination is not None:
            self._refuse(rule, "DNAT of a whole address in the host: the lab forwards whole addresses inside a "
                         "namespace only (`forward NS ADDRESS -> TARGET`; in the host it is E199)",
                         "forward one port: `-p tcp --dport PORT` (`forward tcp PORT -> ADDRESS:PORT`), or make "
                         "the DNAT inside a router namespace (`ip netns exec NS iptables -t nat ...`)")
            return
        if port is None or not port.isdigit():
            self._refuse(rule, "DNAT without a destination port: the lab language forwards one port",
                         "add `-p tcp --dport PORT`", code="E324")
            return
        protocol = rule.protocol
        if protocol is None:
            self.report.warn("W335", "DNAT without `-p`: iptables refuses a port without a protocol; taken as tcp",
                             span, "write `-p tcp` (or `-p udp`)")
            protocol = "tcp"
        if protocol not in ("tcp", "udp"):
            self._refuse(rule, f"DNAT of protocol {protocol}: the lab language forwards tcp and udp")
            return
        target, target_port = _address_port(rule.to or "")
        try:
            version = ipaddress.ip_address(target).version
        except ValueError:
            self._refuse(rule, f"DNAT to '{rule.to}': not an IPv4 address[:port] or [IPv6 address]:port", code="E324")
            return
        if rule.family is not None and version != rule.family:
            self._wrong_family(rule, rule.to or "", "DNAT target")
            return
        self.model.forwards.append(Forward(protocol, int(port), target,
                                           int(target_port) if target_port.isdigit() else int(port),
                                           rule.in_interface, rule.line))

    def _address_forward(self, rule: Rule) -> None:
        """A namespace's PREROUTING `-d ADDRESS -j DNAT --to-destination TARGET` (no port, no protocol):
        `forward NS ADDRESS -> TARGET [in IF]`."""
        address = _one_address(rule.destination or "")
        target = _one_address(rule.to or "")
        extra = rule.source or rule.out_interface or rule.sport or rule.local or rule.not_destination
        if address is None or target is None or extra:
            what = f"`-d {rule.destination}` is not one address" if address is None else \
                f"the target `{rule.to}` is not one address (a whole-address forward keeps every port)" \
                if target is None else "it matches more than its destination (a source, an output interface, addrtype)"
            self._refuse(rule, f"a whole-address DNAT the lab cannot say: {what}; the lab's `forward NS ADDRESS -> "
                         "TARGET` is `-d ADDRESS -j DNAT --to-destination TARGET`, with `-i IF` at most",
                         "write the `forward NS ADDRESS -> TARGET [in IF]` line by hand, or forward one port")
            return
        if address.version != target.version or (rule.family is not None and address.version != rule.family):
            self._wrong_family(rule, str(target if address.version == (rule.family or 4) else address),
                               "DNAT address")
            return
        if any(_same_address(f.address, str(address)) for f in self.model.address_forwards):
            return  # the same forward of the other iptables, or read twice
        self.model.address_forwards.append(AddressForward(str(address), str(target), rule.in_interface, rule.line))

    def _redirect(self, rule: Rule) -> None:
        """A namespace's PREROUTING `-p tcp|udp --dport PORT -j REDIRECT [--to-ports PORT2]`:
        `redirect NS PROTO PORT -> PORT2 [in IF]` (no --to-ports: the same port)."""
        to = rule.to or rule.dport or ""
        extra = rule.source or rule.destination or rule.out_interface or rule.sport or rule.local \
            or rule.not_destination or rule.not_source
        if rule.protocol not in ("tcp", "udp") or not (rule.dport or "").isdigit() or not to.isdigit() or extra:
            self._refuse(rule, "a REDIRECT that is not the lab's `redirect`: one tcp or udp port (`-p tcp --dport "
                         "PORT`) to one local port (`--to-ports PORT2`), arriving on any interface or one (`-i IF`), "
                         "to any address", "write it as `-p tcp --dport PORT -j REDIRECT --to-ports PORT2`, or "
                         "leave it out")
            return
        found = Redirect(rule.protocol or "tcp", int(rule.dport or 0), int(to), rule.in_interface, rule.line)
        if not any((r.protocol, r.port, r.to_port, r.in_interface) == (found.protocol, found.port, found.to_port,
                                                                       found.in_interface)
                   for r in self.model.redirects):  # (the same redirect of the other family)
            self.model.redirects.append(found)

    def inside(self, netns: str) -> Firewall:
        """The rules of namespace `netns`, read apart (their chains are its own), with a model of their
        own for the NAT they make (the lab's links shared)."""
        child = self.children.get(netns)
        if child is None:
            scratch = Model()
            scratch.links, scratch.namespaces = self.model.links, self.model.namespaces
            child = self.children[netns] = Firewall(scratch, self.report, self.interp)
            child.netns = netns
        return child

    def _finish_inside(self) -> None:
        """Each namespace's rules as `nat NS masquerade` and `forward NS` lines."""
        for netns, child in self.children.items():
            child.model.nsgen_made = self.model.nsgen_made
            child.finish()
            for masquerade in child.model.masquerades:
                out = f" out {masquerade.out_interface}" if masquerade.out_interface else ""
                self.model.inside.append((f"nat {netns} masquerade {masquerade.subnet}{out}", masquerade.line, 20))
            for forward in child.model.forwards:
                where = f" in {forward.in_interface}" if forward.in_interface else ""
                target = f"[{forward.target}]" if ":" in forward.target else forward.target
                self.model.inside.append((f"forward {netns} {forward.protocol} {forward.port} -> {target}:"
                                          f"{forward.target_port}{where}", forward.line, 21))
            for whole in child.model.address_forwards:
                where = f" in {whole.in_interface}" if whole.in_interface else ""
                self.model.inside.append((f"forward {netns} {whole.address} -> {whole.target}{where}", whole.line, 21))
            for redirect in child.model.redirects:
                where = f" in {redirect.in_interface}" if redirect.in_interface else ""
                self.model.inside.append((f"redirect {netns} {redirect.protocol} {redirect.port} -> "
                                          f"{redirect.to_port}{where}", redirect.line, 22))
            self.model.inside.extend(child.model.inside)
            self.model.deny_routers.update(child.model.deny_routers)
            forwarding = self.model.sysctls.get((netns, "net.ipv4.ip_forward"))
            if (child.model.masquerades or child.model.forwards or child.model.address_forwards) \
                    and forwarding is not None \
                    and forwarding.value == "1" and self.model.nsgen_made and netns not in self.model.routers_cited:
                # in nsgen's own script, the forwarding its NAT in the namespace turns on (not a `router`)
                del self.model.sysctls[(netns, "net.ipv4.ip_forward")]

    def _forward_parts(self, parts: list[Rule]) -> None:
        """The OUTPUT DNAT and hairpin MASQUERADE rules go with the forward (without `in`) they
        belong to; one that belongs to no forward of the script is refused."""
        for rule in parts:
            output = rule.target == "DNAT"
            owner = next((f for f in self.model.forwards
                          if (f.in_interface is None or self.netns) and _part_of(rule, f, output)), None)
            if owner is not None or self._part_of_namespace_rule(rule):
                continue
            if rule.target == "REDIRECT":
                self._refuse(rule, "REDIRECT in OUTPUT (the namespace's own connections) without the PREROUTING "
                             "REDIRECT of the same port: the lab's `redirect` adds both together",
                             "add the PREROUTING REDIRECT too (`redirect NS tcp PORT -> PORT2` adds both), or leave "
                             "the OUTPUT rule out")
                continue
            if output:
                self._refuse(rule, "DNAT in OUTPUT (the host's own connections) without the PREROUTING DNAT of "
                             "the same port: the lab language forwards a port for both together",
                             "forward the port with a PREROUTING DNAT too (`forward tcp PORT -> ADDRESS:PORT` "
                             "adds both), or leave the OUTPUT rule out")
            else:
                self._refuse(rule, "MASQUERADE of forwarded connections (--ctstate DNAT) that match no forward "
                             "of the script: the lab language masquerades those only as part of a `forward`",
                             "leave it out: `forward tcp PORT -> ADDRESS:PORT` (without `in`) adds it")

    def _part_of_namespace_rule(self, rule: Rule) -> bool:
        """Whether an OUTPUT DNAT is a whole-address forward's own (`-d ADDRESS`, no port) or an
        OUTPUT REDIRECT (`--dst-type LOCAL`) a redirect's own, in this namespace."""
        if rule.target == "REDIRECT":
            to = rule.to or rule.dport
            return rule.local and any((r.protocol, str(r.port), str(r.to_port)) == (rule.protocol, rule.dport, to)
                                      and not (rule.source or rule.destination or rule.in_interface)
                                      for r in self.model.redirects)
        if rule.target != "DNAT" or rule.dport is not None or rule.protocol is not None:
            return False
        return any(_same_address(f.address, (rule.destination or "").split("/")[0])
                   and _same_address(f.target, rule.to or "") for f in self.model.address_forwards)

    def _isolation(self, inputs: list[Rule]) -> None:
        """A namespace's INPUT rules as `isolate NS` and `allow` lines: accepts of `lo` and of
        replies, accepts of sources (to a port, or to all), and a DROP of the rest; `outside` is an
        accept of every source but the DROPped (iptables) or excluded (nft `!=`) lab subnets."""
        netns = self.netns
        if not inputs or netns is None:
            return
        closing = [r for r in inputs if r.target == "DROP" and _bare(r) and not r.states]
        if not closing:
            for rule in inputs:
                self._refuse(rule, f"an INPUT rule in namespace {netns} without a DROP of the rest: the lab "
                             "language's input rules are `isolate` (replies, lo and what `allow` names; the rest "
                             "dropped)", "leave it out, or add `isolate NS` and `allow FROM -> NS` lines")
            return
        self.model.inside.append((f"isolate {netns}", closing[0].line, 24))
        isolated: set[int] = set()  # the families the namespace is isolated in (its DROPs')
        for rule in closing:
            nfproto = re.search(r"nfproto\s+ipv([46])", rule.text)
            isolated |= {rule.family} if rule.family else {int(nfproto.group(1))} if nfproto else {4, 6}
        dropped: dict[tuple[str | None, str | None], list[str]] = {}
        groups: list[tuple[str, str | None, str | None, list[str], int]] = []
        """(group key, protocol, port, sources, line) of the accepts, in order."""
        for rule in inputs:
            negated = re.search(r"(!\s*(-s|--source|--src)\b|saddr\s*!=)", rule.text) is not None
            if rule in closing:
                continue
            if rule.target == "ACCEPT" and _bare(rule, but_in=True) and rule.in_interface == "lo" \
                    and not rule.states:
                continue
            if rule.target == "ACCEPT" and _bare(rule) and "ESTABLISHED" in (rule.states or "").upper():
                continue
            if rule.target == "ACCEPT" and _NEIGHBOUR_DISCOVERY.search(rule.text) and rule.source is None:
                continue  # `isolate` keeps IPv6 alive: router and neighbour solicitations and advertisements
            if rule.target == "DROP" and rule.source and not negated and rule.in_interface is None \
                    and not rule.states:
                dropped.setdefault((rule.protocol, rule.dport), []).append(rule.source)
                continue
            if rule.target != "ACCEPT" or rule.in_interface is not None or rule.states \
                    or (rule.protocol is not None and rule.dport is None) or (rule.source == "{" and not negated):
                self._refuse(rule, f"an INPUT rule in namespace {netns} that is not an `allow` (from a source, "
                             "to a tcp or udp port or to all)", "leave it out, or write it as "
                             "`allow FROM -> NS [tcp|udp PORT]`")
                continue
            sources: list[str]
            if negated or (rule.source is None and (rule.protocol, rule.dport) in dropped):
                dropped.pop((rule.protocol, rule.dport), None)
                sources, key = ["outside"], f"outside:{rule.line}"
            else:
                sources = [rule.source or "0.0.0.0/0"]
                comment = re.search(r"comment\s+\"?([^\"\s]+)", rule.text)
                key = comment.group(1) if comment else "consecutive"
            # one lab line's accepts form one group, its IPv4 and IPv6 ones too (they come in two
            # rulesets); without a comment, consecutive accepts to one port do
            last = groups[-1] if groups else None
            same = [g for g in groups if g[0] == key and g[1:3] == (rule.protocol, rule.dport)] \
                if key != "consecutive" else [last] if last is not None and last[0] == key \
                and last[1:3] == (rule.protocol, rule.dport) else []
            if same and sources != ["outside"]:
                same[0][3].extend(sources)
            else:
                groups.append((key, rule.protocol, rule.dport, sources, rule.line))
        for _group, protocol, port, sources, line in groups:
            to = f" {protocol} {port}" if protocol else ""
            for sender in self._senders(sources, isolated):
                text = f"allow {sender} -> {netns}{to}"
                if not any(known == text for known, _line, _order in self.model.inside):  # (its other family's rules)
                    self.model.inside.append((text, line, 24))

    def _senders(self, sources: list[str], families: set[int]) -> list[str]:
        """`allow`'s FROM for a group of accepted sources: the namespace (or the host) whose lab
        addresses of the `families` the destination is isolated in they are, all of them (an allow
        adds rules of those families only); else each source as an address or CIDR."""
        if sources == ["outside"]:
            return sources
        try:
            wanted = {ipaddress.ip_network(s, strict=False) for s in sources}
        except ValueError:
            return [s.removesuffix("/32").removesuffix("/128") for s in sources]
        places: dict[str, set[ipaddress.IPv4Network | ipaddress.IPv6Network]] = {}
        for link in self.model.links:
            if link.kind == "loopback" or (link.netns is None and link.kind not in ("bridge", "veth")):
                continue
            for address in link.addresses:
                ip = address.interface.ip
                if not ip.is_link_local and ip.version in families:
                    place = link.netns or "host"
                    places.setdefault(place, set()).add(ipaddress.ip_network(ip))
        for place in [*self.model.namespaces, "host"]:
            if places.get(place) == wanted:
                return [place]
        return [s.removesuffix("/32").removesuffix("/128") for s in sources]

    def _covered(self, accepts: list[Rule]) -> list[int]:
        """FORWARD accepts that the lab's own accepts cover (its bridges, NAT subnets, forward targets)."""
        bridges = {link.name for link in self.model.links if link.kind == "bridge" and link.netns is None}
        subnets = [ipaddress.ip_network(m.subnet) for m in self.model.masquerades]
        targets = [ipaddress.ip_network(f.target) for f in self.model.forwards] + \
            [ipaddress.ip_network(f.target) for f in self.model.address_forwards]
        lines = []
        for rule in accepts:
            ends = [x for x in (rule.source, rule.destination) if x]
            nets = []
            for end in ends:
                try:
                    nets.append(ipaddress.ip_network(end, strict=False))
                except ValueError:
                    nets = []
                    break
            by_net = bool(nets) and all(any(n.version == s.version and n.subnet_of(s)  # type: ignore[arg-type]
                                            for s in subnets + targets) for n in nets)
            by_bridge = (rule.in_interface in bridges or rule.out_interface in bridges) and not ends
            if (by_net or by_bridge) and self.model.nsgen_made:
                lines.append(rule.line)  # nsgen's own accepts, in a script nsgen wrote
            elif by_net or by_bridge:
                self.report.warn("W337", "a FORWARD accept the lab's own accepts cover: nsgen loads accepts for "
                                 "its bridges, masquerade subnets and forward targets; left out",
                                 self.report.span(rule.line, rule.column, rule.end_column))
                lines.append(rule.line)
            else:
                self._refuse(rule, "a FORWARD accept for traffic that is not the lab's bridges, NAT or forwards: "
                             "the lab language has no filter rules", "add it by hand after setup")
        return lines


_NEIGHBOUR_DISCOVERY = re.compile(r"--icmpv6-type\s+(router-solicitation|router-advertisement|"
                                  r"neighbou?r-solicitation|neighbou?r-advertisement|13[3-6])\b|"
                                  r"icmpv6\s+type\s+\{?\s*nd-(router|neighbor)-")
"""An ICMPv6 neighbour discovery accept, as `isolate` loads in IPv6 (types 133-136)."""


def _address_port(text: str) -> tuple[str, str]:
    """`ADDRESS[:PORT]` of a DNAT target: `192.168.15.2:80`, `[fd00:15::2]:80`, or an address alone
    (an IPv6 one without brackets when it has no port)."""
    if text.startswith("["):
        address, _, rest = text[1:].partition("]")
        return address, rest[1:] if rest.startswith(":") else ""
    if text.count(":") > 1:
        return text, ""
    address, _, port = text.partition(":")
    return address, port


def _one_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """`ADDRESS`, `ADDRESS/32` (or /128) as an address; None for anything else."""
    try:
        network = ipaddress.ip_network(text.strip("[]"), strict=True)
    except ValueError:
        return None
    return network.network_address if network.num_addresses == 1 else None


def _bare(rule: Rule, but_in: bool = False) -> bool:
    """A rule that matches no address, port, protocol or (unless `but_in`) input interface."""
    return (rule.source is None and rule.destination is None and rule.not_destination is None
            and rule.not_source is None and rule.original_destination is None
            and rule.protocol is None and rule.dport is None and rule.sport is None
            and (but_in or rule.in_interface is None) and rule.out_interface is None)


def _forward_part(rule: Rule, hook: str) -> bool:
    """A rule that nsgen's `forward` (without `in`) adds beside its PREROUTING DNAT: the DNAT of the
    host's own connections (nat OUTPUT) and the hairpin MASQUERADE (`--ctstate DNAT`, nft `ct status
    dnat`) of connections from the target's subnet."""
    if rule.target == "DNAT" and hook == "OUTPUT":
        return True
    states = (rule.states or "").upper().split(",")
    return rule.target == "MASQUERADE" and hook == "POSTROUTING" and "DNAT" in states


def _key(rule: Rule) -> tuple[object, ...]:
    return (rule.family, rule.table, rule.chain, rule.source, rule.destination, rule.not_destination, rule.protocol,
            rule.dport,
            rule.in_interface, rule.out_interface, rule.target, rule.to)


def _part_of(rule: Rule, forward: Forward, output: bool) -> bool:
    """Whether an OUTPUT DNAT (`output`) or a hairpin MASQUERADE is `forward`'s own."""
    if (rule.protocol or "tcp") != forward.protocol:
        return False
    if output:
        target, port = _address_port(rule.to or "")
        return (rule.dport == str(forward.port) and _same_address(target, forward.target)
                and int(port if port.isdigit() else forward.port) == forward.target_port)
    destination = (rule.destination or "").removesuffix("/32").removesuffix("/128")
    return _same_address(destination, forward.target) and rule.dport in (None, str(forward.target_port))


def _same_address(one: str, other: str) -> bool:
    """Two addresses as written, compared as addresses (`fd00:15::2` is `fd00:15:0::2`)."""
    try:
        return ipaddress.ip_address(one.strip("[]")) == ipaddress.ip_address(other.strip("[]"))
    except ValueError:
        return one == other


def _nft_target(words: list[str]) -> tuple[str, str, list[str]]:
    """`[family] TABLE CHAIN RULE...` of `nft add rule`."""
    if words and words[0] in ("ip", "inet", "ip6", "bridge", "arp", "netdev"):
        words = words[1:]
    return (words[0] if words else "", words[1] if len(words) > 1 else "", words[2:])
