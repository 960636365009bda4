"""Property-based tests (issue 4): random text and mutated valid labs either compile to scripts that pass
`bash -n` and shellcheck, or are refused with an error diagnostic; never an uncaught exception.
A 100,000-line lab compiles (or is refused) without hanging.

Every run is derandomized and database-free, so CI sees the same examples each time.
"""

from __future__ import annotations

import os
import re
import shlex
import string
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from nsgen.compiler import Compilation, compile_source
from nsgen.compiler.diagnostics import render as render_diagnostic
from nsgen.compiler.styles import STYLES
from nsgen.compiler.targets import SCRIPTS, TARGETS, render
from tests.scriptcheck import script_problems

ROOT = Path(__file__).resolve().parent.parent
SEEDS = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8")
         for p in sorted((ROOT / "examples").glob("*.ns")) + sorted((ROOT / "golden").glob("*/*.ns"))}

FUZZ = settings(derandomize=True, database=None, deadline=None, print_blob=False,
                phases=(Phase.explicit, Phase.generate, Phase.target, Phase.shrink),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# What a statement may be written with, once comments are gone: names, numbers, addresses, `<->`, `->`,
# `:`, `,`, `;`, `=` (sysctl KEY=VALUE), `[` `]` (an IPv6 address before `:PORT`), `{` `}` (`on MACHINE { }`),
# blanks and line ends. Anything else in a lab that compiles would be a hole in the grammar.
ALLOWED = frozenset(string.ascii_letters + string.digits + "_.-/:,<>;=[]{} \t\r\n")

HOSTILE = ("$(reboot)", "`id`", ";rm -rf /", "'", '"', "*", "\n", "\x00", "\\", "&&", "|", ">", "<", "$HOME",
           "${IFS}", "~", "?", "[a]", "{a,b}", "!", "%", "é", "ünïcödé", "\u202e", "\ufeff", "\r", "\t", "\x0c",
           "\u2028", "#", "a b", "red;reboot", "red\nreboot", "10.0.0.1/24;id")
# Hostile strings that must never reach a script, even when the lab compiles (they can only hide in a comment).
MARKERS = ("$(reboot)", "`id`", "rm -rf /", "${IFS}", "$HOME")
EDGES = ("0", "1", "67", "68", "1500", "65535", "65536", "4294967296", "99999999999999999999", "00080", "-1",
         "0.0.0.0", "0.0.0.0/0", "255.255.255.255", "255.255.255.255/32", "1.2.3.4/31", "1.2.3.4/32", "1.2.3.4/33",
         "256.1.1.1", "10.0.0.0/8", "127.0.0.1", "224.0.0.1/24", "192.168.15.0/24", "192.168.15.255/24",
         "1.2.3", "1.2.3.4.5", "01.02.03.04/24", "host", "outside", "lo", "default", "via", "ip", "mtu", "no",
         "a" * 15, "a" * 16, "a" * 255, "a" * 256, "_", ".", "..", "-", "eth0", "tcp", "udp", "<->", "->", ":", ",",
         # IPv6 forms: valid, special, malformed, bracketed (a port after one), and mixed with IPv4
         "fd00::1/64", "fd00:15::2", "fd00::/64", "fd00::", "fd00::/8", "::", "::/0", "::1", "::1/128", "fe80::1",
         "fe80::/10", "fe80::1/64", "ff02::1", "ff00::/8", "::ffff:10.0.0.1", "2001:db8::1/129", "fd00:::1",
         "fd00::g", "fd00::1:2:3:4:5:6:7:8", "fd00:0:0:0:0:0:0:1/127", "[fd00:15::2]", "[fd00:15::2]:80", "[", "]",
         "[10.0.0.1]:80", "fd00:15::2:80", "FD00::A/64", "1:2:3:4:5:6:7:8/64")

BLANKS = ("  ", "\t", " \t ", "\r", "\x0b", "\x0c", "\xa0", "\u3000", ";", " ; ", "\n")

TOKEN = re.compile(r"<->|->|[0-9A-Fa-f]*:[0-9A-Fa-f]*:[0-9A-Fa-f:.]*(?:/[0-9]+)?|[A-Za-z0-9_./-]+|[^\sA-Za-z0-9_./-]")
CORPUS = tuple(sorted({m.group() for text in SEEDS.values() for m in TOKEN.finditer(text)}))


@dataclass(frozen=True)
class Mutant:
    """A seed lab after a few random edits, and the strings those edits put in."""

    seed: str
    text: str
    inserted: tuple[str, ...]


def replacement(hostile: bool) -> st.SearchStrategy[str]:
    """What a mutated token becomes: an edge value or another token, and with `hostile` worse things."""
    benign = [st.sampled_from(EDGES), st.sampled_from(CORPUS)]
    if not hostile:
        return st.one_of(*benign)
    return st.one_of(*benign, st.sampled_from(HOSTILE), st.text(max_size=6))


@st.composite
def mutants(draw: st.DrawFn, hostile: bool = True) -> Mutant:
    """A seed lab with a few edits: lines deleted, duplicated or swapped, blanks changed, tokens replaced."""
    seed = draw(st.sampled_from(sorted(SEEDS)))
    lines = SEEDS[seed].splitlines()
    inserted: list[str] = []
    for _ in range(draw(st.integers(1, 4 if hostile else 2))):
        if not lines:
            lines.append("")
        at = draw(st.integers(0, len(lines) - 1))
        operation = draw(st.sampled_from(("delete", "duplicate", "swap", "blank", "token", "token", "token")))
        if operation == "delete":
            del lines[at]
        elif operation == "duplicate":
            lines.insert(at, lines[at])
        elif operation == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif operation == "blank":
            blanks = [m.start() for m in re.finditer(" ", lines[at])]
            if blanks:
                where = draw(st.sampled_from(blanks))
                lines[at] = lines[at][:where] + draw(st.sampled_from(BLANKS)) + lines[at][where + 1:]
        else:
            spans = [m.span() for m in TOKEN.finditer(lines[at])]
            if spans:
                start, end = draw(st.sampled_from(spans))
                new = draw(replacement(hostile))
                lines[at] = lines[at][:start] + new + lines[at][end:]
                inserted.append(new)
    return Mutant(seed, "\n".join(lines) + "\n", tuple(inserted))


def without_comments(text: str) -> str:
    """The lab text with every `#` comment removed (a comment runs to the end of its line)."""
    return "\n".join(line.split("#", 1)[0] for line in text.split("\n"))


def compile_and_render(text: str) -> tuple[Compilation, dict[str, str]]:
    """Compile a lab and, when it compiles, render every script."""
    result = compile_source(text, "fuzz.ns")
    return result, (all_scripts(result) if result.plan is not None or result.machines is not None else {})


def all_scripts(result: Compilation) -> dict[str, str]:
    """Every script of a compiled lab: each target x script x style (inspect has one style); a lab
    across machines: each machine's (docs/machines.md)."""
    plans = {"": result.plan} if result.plan is not None else {
        f"{name}.": plan for name, plan in (result.machines.plans.items() if result.machines else ())}
    assert plans
    scripts = {}
    for prefix, plan in plans.items():
        for target in TARGETS:
            for script in SCRIPTS:
                for style in STYLES if script != "inspect" else ("default",):
                    scripts[f"{prefix}{target}.{script}.{style}.sh"] = render(plan, target, script, style)
    return scripts


def assert_plan_or_error(result: Compilation, text: str) -> None:
    """The compiler's contract: a plan and no error, or no plan and at least one error, each renderable."""
    errors = [d for d in result.diagnostics if d.is_error]
    assert (result.plan is None and result.machines is None) == bool(errors), [d.code for d in result.diagnostics]
    for diagnostic in result.diagnostics:
        assert re.fullmatch(r"[EW]\d{3}", diagnostic.code)
        shown = render_diagnostic(diagnostic, text)
        assert shown.startswith(f"{diagnostic.span}: {diagnostic.severity.value}[{diagnostic.code}]: ")


def assert_safe_lab(result: Compilation, text: str, scripts: dict[str, str]) -> None:
    """A lab that compiled holds only grammar characters outside comments and `run` commands, and no
    hostile marker gets out: one in a `run` command's word reaches a script only as that word, quoted."""
    assert result.ok and (result.plan is not None or result.machines is not None)
    plans = [result.plan] if result.plan is not None else list(result.machines.plans.values())  # type: ignore[union-attr]
    runs = [process for plan in plans for process in plan.processes]
    outside_runs = without_comments(text)
    for process in runs:
        outside_runs = outside_runs.replace(process.origin.source, "run")
    assert set(outside_runs) <= ALLOWED, sorted(set(outside_runs) - ALLOWED)
    quoted = sorted({shlex.quote(word) for process in runs for word in process.argv}
                    | {shlex.quote(process.origin.comment) for process in runs}, key=len, reverse=True)
    for name, script in scripts.items():
        assert script.startswith("#!/usr/bin/env bash\n"), name
        if runs:  # the lab's own text is in comments; the command's words quoted, each on its own
            script = "\n".join(line for line in script.split("\n") if not line.lstrip().startswith("#"))
            for word in quoted:
                script = script.replace(word, "")
        for marker in MARKERS:
            assert marker not in script, (name, marker)


# (a) random text ---------------------------------------------------------------------------------

def form_gives_plan_or_error(template: str, words: dict[str, str]) -> None:
    """A lab of `template` with `words` filled in: a plan whose scripts are safe, or an error;
    never an uncaught exception."""
    text = template.format(**words)
    result, scripts = compile_and_render(text)
    assert_plan_or_error(result, text)
    if result.plan is not None:
        event("compiled")
        assert_safe_lab(result, text, scripts)


def form_scripts_pass_shellcheck(template: str, words: dict[str, str]) -> None:
    """A lab of `template` with `words` filled in that compiles gives scripts that pass `bash -n`
    and shellcheck."""
    text = template.format(**words)
    result, scripts = compile_and_render(text)
    assert_plan_or_error(result, text)
    if result.plan is None:
        event("refused")
        return
    event("compiled")
    assert_safe_lab(result, text, scripts)
    assert script_problems(scripts) == []


LANGUAGE_WORDS = ("lab", "ns", "bridge", "veth", "route", "nat", "masquerade", "forward", "expect", "ip", "mtu",
                  "via", "default", "out", "in", "tcp", "udp", "ping", "reaches", "from", "no", "host", "outside",
                  "red", "blue", "br0", "v-net-0", "red:eth0", "<->", "->", ":", ",", ";", "\n", "#", "10.0.0.1/24",
                  "10.0.0.1", "10.0.0.0/24", "80", "0", "70000", "router", "sysctl", "address", "dev", "metric",
                  "onlink", "mac", "02:00:00:00:00:02", "01:00:00:00:00:00", "net.ipv4.ip_forward=1", "=", "lo",
                  "red:lo", "4294967296", "run", "isolate", "allow", "'quoted word'", '"a;b"', "redirect", "deny")

random_text = st.one_of(
    st.text(),                                                      # any code point, control characters, NUL
    st.text(alphabet=st.sampled_from(sorted(ALLOWED | set("$`'\"*\\#|&()[]{}!?~\x00")))),
    st.lists(st.sampled_from(LANGUAGE_WORDS + HOSTILE), max_size=40).map(" ".join),
    st.binary(max_size=200).map(lambda b: b.decode("utf-8", errors="replace")),
)


@settings(FUZZ, max_examples=400)
@given(random_text)
def test_random_text_gives_plan_or_error(text: str) -> None:
    result, scripts = compile_and_render(text)
    assert_plan_or_error(result, text)
    if result.plan is not None:
        event("compiled")
        assert_safe_lab(result, text, scripts)


# (b) mutated valid labs --------------------------------------------------------------------------

@settings(FUZZ, max_examples=300)
@given(mutants(hostile=True))
def test_mutated_lab_gives_plan_or_error(mutant: Mutant) -> None:
    result, scripts = compile_and_render(mutant.text)
    assert_plan_or_error(result, mutant.text)
    if result.plan is not None or result.machines is not None:
        event("compiled")
        assert_safe_lab(result, mutant.text, scripts)


@settings(FUZZ, max_examples=40)
@given(mutants(hostile=False))
def test_mutated_lab_scripts_pass_shellcheck(mutant: Mutant) -> None:
    result, scripts = compile_and_render(mutant.text)
    assert_plan_or_error(result, mutant.text)
    if result.plan is None and result.machines is None:
        event("refused")
        return
    event("compiled")
    assert_safe_lab(result, mutant.text, scripts)
    assert script_problems(scripts) == []


# (b2) IPv6 in every address position ------------------------------------------------------------

IPV6_LAB = """\
ns red
ns blue
bridge br0 ip 10.0.0.1/24, {bridge}
veth red<->br0 ip 10.0.0.2/24, {red}
veth blue<->br0 ip {blue}
route red {destination} via {gateway}
nat masquerade {subnet}
forward tcp 80 -> [{target}]:80
nat red masquerade {subnet}
forward red tcp 8080 -> [{target}]:80
isolate blue
allow {source} -> blue tcp 80
expect red ping {target}
expect red tcp [{target}]:80 reaches blue
"""

ipv6_word = st.one_of(
    st.ip_addresses(v=6).map(str),
    st.tuples(st.ip_addresses(v=6), st.integers(0, 130)).map(lambda t: f"{t[0]}/{t[1]}"),
    st.sampled_from([e for e in EDGES if ":" in e]),
    st.text(alphabet="0123456789abcdefABCDEF:./", min_size=1, max_size=24).filter(lambda t: ":" in t),
)


@settings(FUZZ, max_examples=300)
@given(st.fixed_dictionaries({key: ipv6_word for key in
                              ("bridge", "red", "blue", "destination", "gateway", "subnet", "target",
                               "source")}))
def test_ipv6_forms_give_plan_or_error(words: dict[str, str]) -> None:
    """Any IPv6-looking word in any address position: a plan whose scripts are safe, or an error;
    never an uncaught exception."""
    form_gives_plan_or_error(IPV6_LAB, words)


@settings(FUZZ, max_examples=15)
@given(st.fixed_dictionaries({"bridge": st.just("fd00:15::1/64"), "red": st.just("fd00:15::2/64"),
                              "blue": st.sampled_from(["fd00:15::3", "fd00:15::3/64", "10.0.0.3, fd00:15::3"]),
                              "destination": st.sampled_from(["default", "fd00:99::/64", "::/0", "2001:db8::/32"]),
                              "gateway": st.sampled_from(["fd00:15::1", "fd00:15::3"]),
                              "subnet": st.sampled_from(["fd00:15::/64", "fd00::/8"]),
                              "target": st.sampled_from(["fd00:15::3", "fd00:15::2"]),
                              "source": st.sampled_from(["fd00:15::/64", "fd00:15::2", "red", "host", "outside",
                                                          "10.0.0.0/24"])}))
def test_ipv6_lab_scripts_pass_shellcheck(words: dict[str, str]) -> None:
    """Valid IPv6 labs of that shape (with IPv6 NAT, a forward and an isolation inside namespaces)
    compile to scripts that pass `bash -n` and shellcheck."""
    form_scripts_pass_shellcheck(IPV6_LAB, words)


# (b4) routers that deny, flows allowed through them, whole-address forwards and redirects -----------------

ROUTER_LAB = """\
ns lan
ns r1
ns dmz
veth lan<->r1:inside ip 10.0.1.2/24, 10.0.1.1/24
veth r1:dmz<->dmz ip 10.0.2.1/24, 10.0.2.2/24
address lan:veth-lan fd00:1::2/64
address r1:inside fd00:1::1/64
route lan default via 10.0.1.1
route dmz default via 10.0.2.1
router {router}{deny}
allow {source} -> {destination} via {via}{port}
forward {where} {address} -> {target}{arrival}
redirect {where} {protocol} {from_port} -> {to_port}{arrival}
{isolate}
"""

VALID_ROUTER_WORDS = {
    "router": ["r1"], "deny": ["", " deny"], "source": ["lan", "10.0.1.0/24", "outside", "host", "fd00:1::/64"],
    "destination": ["dmz", "10.0.2.2", "outside", "fd00:1::2"], "via": ["r1"], "port": ["", " tcp 80", " udp 53"],
    "where": ["r1"], "address": ["10.0.1.100", "10.96.0.10"], "target": ["10.0.2.2"],
    "arrival": ["", " in inside", " in dmz"], "protocol": ["tcp", "udp"], "from_port": ["80", "8080"],
    "to_port": ["3128", "80"], "isolate": ["", "isolate r1", "isolate dmz"],
}
BAD_ROUTER_WORDS = {
    "router": ["host", "dmz", "br9"], "deny": [" deny deny"], "source": ["br9", "10.0.1.2/33"],
    "destination": ["br9", "10.0.2.0/33", "host"], "via": ["host", "dmz", "nowhere"], "port": [" tcp 0", " tcp 70000"],
    "where": ["host", "nowhere", "lan"], "address": ["10.0.1.0/24", "fd00::9", "10.0.2.2", "::"],
    "target": ["10.9.9.9", "fd00:1::2", "10.0.2.0/24"], "arrival": [" in eth9", " in " + "a" * 16],
    "protocol": ["icmp"], "from_port": ["0", "65536"], "to_port": ["0", "99999999999999999999"],
    "isolate": ["isolate host"],
}
router_words = st.fixed_dictionaries({key: st.sampled_from(VALID_ROUTER_WORDS[key] + BAD_ROUTER_WORDS[key])
                                      for key in VALID_ROUTER_WORDS})
valid_router_words = st.fixed_dictionaries({key: st.sampled_from(words) for key, words in VALID_ROUTER_WORDS.items()})


@settings(FUZZ, max_examples=200)
@given(router_words)
def test_router_filter_forms_give_plan_or_error(words: dict[str, str]) -> None:
    """Any mix of `router deny`, `allow ... via`, whole-address forwards and redirects with edge values:
    a plan whose scripts are safe, or an error."""
    form_gives_plan_or_error(ROUTER_LAB, words)


@settings(FUZZ, max_examples=15)
@given(valid_router_words)
def test_router_filter_lab_scripts_pass_shellcheck(words: dict[str, str]) -> None:
    """Labs of that shape that compile give scripts that pass `bash -n` and shellcheck."""
    form_scripts_pass_shellcheck(ROUTER_LAB, words)


# (b3) GRE, gretap and ipip: every option with edge values ----------------------------------------

TUNNEL_LAB = """\
ns red
ns blue
veth red<->blue ip 172.30.0.1/24, 172.30.0.2/24
bridge red:br0
{kind} red:{name} remote {remote}{local}{device}{key}{ttl}{place}{mtu}
expect red ping 10.9.0.2
"""

VALID_TUNNEL_WORDS = {
    "kind": ["gre", "gretap", "ipip"], "name": ["t1"], "remote": ["172.30.0.2"],
    "local": ["", " local 172.30.0.1"], "device": ["", " dev veth-red"], "key": ["", " key 0", " key 4294967295"],
    "ttl": ["", " ttl 0", " ttl 255"], "place": ["", " ip 10.9.0.1/30", " bridge br0", " ip fd00:9::1/64"],
    "mtu": ["", " mtu 1476", " mtu 1500"],
}
BAD_TUNNEL_WORDS = {
    "kind": [], "name": ["gre0", "tunl0", "a" * 16, "veth-red", "lo"],
    "remote": ["fd00::2", "172.30.0.2/24", "0.0.0.0", "256.1.1.1", "224.0.0.1"],
    "local": [" local fd00::1", " local 1.2.3"], "device": [" dev eth9", " dev lo"],
    "key": [" key 4294967296", " key 99999999999999999999"], "ttl": [" ttl 256"],
    "place": [" bridge br9", " bridge br0 ip 10.9.0.1/30", " ip 10.9.0.1/30 ip 10.9.0.5/30"],
    "mtu": [" mtu 67", " mtu 65536"],
}
tunnel_words = st.fixed_dictionaries({key: st.sampled_from(VALID_TUNNEL_WORDS[key] + BAD_TUNNEL_WORDS[key])
                                      for key in VALID_TUNNEL_WORDS})
valid_tunnel_words = st.fixed_dictionaries({key: st.sampled_from(words) for key, words in VALID_TUNNEL_WORDS.items()})


@settings(FUZZ, max_examples=200)
@given(tunnel_words)
def test_tunnel_options_give_plan_or_error(words: dict[str, str]) -> None:
    """Any mix of a tunnel's options and edge values: a plan whose scripts are safe, or an error."""
    form_gives_plan_or_error(TUNNEL_LAB, words)


@settings(FUZZ, max_examples=15)
@given(valid_tunnel_words)
def test_tunnel_lab_scripts_pass_shellcheck(words: dict[str, str]) -> None:
    """Tunnel labs of that shape that compile give scripts that pass `bash -n` and shellcheck."""
    form_scripts_pass_shellcheck(TUNNEL_LAB, words)


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_seed_labs_compile(seed: str) -> None:
    """The mutation seeds themselves compile, so mutants start from labs that work."""
    assert compile_source(SEEDS[seed], Path(seed).name).ok


@pytest.mark.parametrize("hostile", [h for h in HOSTILE if h != "#"])  # '#' starts a comment: legal
def test_hostile_name_is_refused(hostile: str) -> None:
    """Each hostile string, as a namespace name, is refused with an error (never a script)."""
    text = f"ns {hostile}\n"
    result = compile_source(text, "hostile.ns")
    assert result.plan is None
    assert any(d.is_error for d in result.diagnostics)


# (c) a 100,000-line lab --------------------------------------------------------------------------

def big_lab(lines: int) -> str:
    """A valid lab: bridges of 8 namespaces each (veth, default route), one port forward per bridge."""
    out = ["lab big"]
    group = 0
    while len(out) < lines:
        high, low = divmod(group, 256)
        out.append(f"bridge b{group} ip 10.{high}.{low}.1/24")
        for k in range(8):
            name = f"n{group}-{k}"
            out += [f"ns {name}", f"veth {name}<->b{group} ip 10.{high}.{low}.{k + 2}/24",
                    f"route {name} default via 10.{high}.{low}.1"]
        out.append(f"forward tcp {group + 1} -> 10.{high}.{low}.2:80")
        group += 1
    return "\n".join(out[:lines]) + "\n"


def test_big_lab_generator_makes_a_valid_lab() -> None:
    """A small instance of the generator compiles, so the 100,000-line run measures a real lab."""
    text = big_lab(300)
    assert text.count("\n") == 300
    assert compile_source(text, "big.ns").ok


def test_100k_line_lab_compiles_or_is_refused_without_hanging(tmp_path: Path) -> None:
    """A bound against hangs (120 s), not a speed test: `nsgen check` on 100,000 lines ends with 0 or 1."""
    lab = tmp_path / "big.ns"
    lab.write_text(big_lab(100_000), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    try:
        run = subprocess.run([sys.executable, "-m", "nsgen.cli", "check", "big.ns"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=120, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("nsgen check did not finish a 100,000-line lab within 120 s")
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    assert run.returncode in (0, 1), run.stderr[-3000:]
    if run.returncode == 1:
        assert re.search(r"^big\.ns:\d+:\d+: error\[E\d{3}\]", run.stderr, re.M)



# regressions: minimal labs for the bugs the properties found (fixed) --------------------------------------

def test_bare_zero_address_on_bridge_is_diagnosed() -> None:
    result = compile_source("bridge br0 ip 0.0.0.0\n", "zero.ns")
    assert_plan_or_error(result, "bridge br0 ip 0.0.0.0\n")
    assert result.plan is None


@pytest.mark.parametrize("script", SCRIPTS)
def test_tab_between_words_renders(script: str) -> None:
    result = compile_source("ns\tred\n", "tab.ns")
    assert result.plan is not None
    # the citation: a comment, or (setup) the step marker that names the statement being applied
    assert re.search(r"^\s*(# |step=')tab\.ns:1 .*red'?$", render(result.plan, "iptables", script), re.M)


@pytest.mark.parametrize("separator", ["\x0b", "\x0c", "\x1c", "\x85", "\u2028"],
                         ids=["VT", "FF", "FS", "NEL", "LS"])
def test_diagnostic_shows_the_line_it_names(separator: str) -> None:
    """Lines are counted at \\n only, as Lark counts them, even after a form feed or U+2028 in a comment."""
    text = f"# a comment{separator}with a line break of Unicode's\nfrob\n"
    result = compile_source(text, "lines.ns")
    assert [d.span.line for d in result.diagnostics] == [2]
    assert "\n2 | frob\n" in render_diagnostic(result.diagnostics[0], text)


def _helper_named_lab(names: dict[str, str]) -> str:
    return (f"lab {names['lab']}\nns {names['a']}\nns {names['b']}\nbridge {names['br']} ip 10.1.0.1/24\n"
            f"veth {names['a']}<->{names['br']} ip 10.1.0.2/24\nveth {names['b']}<->{names['br']} ip 10.1.0.3/24\n"
            f"route {names['a']} default via 10.1.0.1\nnat masquerade 10.1.0.0/24\n")


def test_names_like_helpers_change_no_script_but_its_names() -> None:
    """A lab, namespace or bridge named like one of the scripts' shell functions does not pull that
    function into a script (names are values, never code), and every script stays valid."""
    from nsgen.compiler.targets import HELPERS

    plain = {"lab": "lab", "a": "red", "b": "blue", "br": "br0"}
    scripts: dict[str, str] = {}
    for first in range(0, len(HELPERS), 3):
        chunk = HELPERS[first:first + 3]
        filler = "rollback" if "rollback" not in chunk else "preflight"
        like = dict(zip(("lab", "a", "b", "br"), [*chunk, filler], strict=False))
        like = {**plain, **like}
        for target in TARGETS:
            for style in STYLES:
                for script in SCRIPTS:
                    named = compile_source(_helper_named_lab(like), f"{like['lab']}.ns")
                    neutral = compile_source(_helper_named_lab(plain), "lab.ns")
                    assert named.plan is not None and neutral.plan is not None, named.diagnostics
                    text = render(named.plan, target, script, style)
                    defined = set(re.findall(r"^(\w+)\(\) \{", text, re.M))
                    expected = set(re.findall(r"^(\w+)\(\) \{", render(neutral.plan, target, script, style), re.M))
                    assert defined == expected, (like, target, style, script)
                    scripts[f"{like}-{target}-{style}-{script}"] = text
    assert not script_problems(scripts)
