"""`nsgen fmt` (issue 10): the canonical layout is idempotent, keeps the lab's meaning (its IR, spans and
layout aside, is equal before and after, statements in declaration order; the same diagnostics and the
same plan, citations of lab lines aside) and loses no comment. Proven
on the examples and golden labs, on labs mutated as tests/test_properties.py mutates them, on mutants
with comments, blank lines and `;` added, and on random text; then the layout's rules one by one."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from nsgen.compiler import compile_source, ir
from nsgen.compiler.fmt import GROUPS, format_source
from nsgen.compiler.parser import parse
from nsgen.compiler.statements import REGISTRY
from tests.test_cli import Run, run_as_process, run_in_process
from tests.test_properties import FUZZ, SEEDS, Mutant, big_lab, mutants, random_text

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
RULE_OF = {kind.node: kind.rule for kind in REGISTRY}


def _plain(value: Any) -> Any:
    """An IR value without its spans and source text: what the lab means, not where it is written."""
    if isinstance(value, ir.Word):
        return value.text
    if isinstance(value, ir.Number):
        return value.value
    if isinstance(value, tuple):
        return tuple(_plain(item) for item in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, tuple((f.name, _plain(getattr(value, f.name)))
                                            for f in dataclasses.fields(value) if f.name not in ("span", "source")))
    return value


def _plan(value: Any) -> Any:
    """A plan without its citations of lab lines (fmt moves statements to other lines)."""
    if isinstance(value, str):
        return re.sub(r"lab\.ns:\d+", "lab.ns:N", value)
    if isinstance(value, tuple):
        return tuple(_plan(item) for item in value)
    if isinstance(value, dict):
        return {key: _plan(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, tuple((f.name, _plan(getattr(value, f.name)))
                                            for f in dataclasses.fields(value) if f.name != "origin"))
    return value


def meaning(text: str) -> tuple[Any, ...]:
    """The parsed lab's statements without spans, in the order they were written."""
    program, diagnostics = parse(text, "lab.ns")
    assert program is not None, diagnostics
    return tuple(_plain(statement) for statement in program.statements)


def declaration_order(text: str) -> tuple[Any, ...]:
    """The statements as fmt must order them: by group, the order written within a group."""
    program, _ = parse(text, "lab.ns")
    assert program is not None
    return tuple(_plain(statement) for statement in _in_groups(program.statements))


def _in_groups(statements: tuple[ir.Statement, ...]) -> list[ir.Statement]:
    """By group, the order written within a group; `on` blocks (labs across machines) after the
    lab-wide lines, in the order written, each block's statements in groups."""
    ordered: list[ir.Statement] = sorted((s for s in statements if not isinstance(s, ir.On)),
                                         key=lambda s: GROUPS[RULE_OF[type(s)]])
    return ordered + [dataclasses.replace(block, body=tuple(_in_groups(block.body)))
                      for block in statements if isinstance(block, ir.On)]


def comments(text: str) -> Counter[str]:
    """Every comment of a lab that parses: from each line's first `#`, trailing blanks aside."""
    return Counter(line[line.index("#"):].rstrip(" \t\r") for line in text.split("\n") if "#" in line)


def assert_formats_well(text: str) -> str:
    """fmt's contract on a lab that parses: same meaning in declaration order, no comment lost, idempotent."""
    formatted, diagnostics = format_source(text, "lab.ns")
    assert formatted is not None and diagnostics == []
    assert meaning(formatted) == declaration_order(text)
    assert comments(formatted) == comments(text)
    before, after = compile_source(text, "lab.ns"), compile_source(formatted, "lab.ns")
    assert Counter(d.code for d in after.diagnostics) == Counter(d.code for d in before.diagnostics)
    assert _plan(after.plan) == _plan(before.plan)
    assert _plan(after.machines) == _plan(before.machines)
    assert format_source(formatted, "lab.ns") == (formatted, [])
    assert formatted == "" or (formatted.endswith("\n") and not formatted.endswith("\n\n"))
    assert "\n\n\n" not in formatted and not formatted.startswith("\n")
    return formatted


def check_any(text: str) -> None:
    """Any text: formatted as above when it parses, refused with the parser's own diagnostics when not."""
    program, syntax = parse(text, "lab.ns")
    if program is None:
        event("does not parse")
        assert format_source(text, "lab.ns") == (None, syntax)
        assert syntax
        return
    event("parses")
    assert_formats_well(text)


@pytest.mark.parametrize("seed", sorted(SEEDS))
def test_example_and_golden_labs_format_well(seed: str) -> None:
    assert_formats_well(SEEDS[seed])


@settings(FUZZ, max_examples=300)
@given(mutants(hostile=True))
def test_mutated_labs_format_well_or_are_refused(mutant: Mutant) -> None:
    check_any(mutant.text)


@settings(FUZZ, max_examples=300)
@given(random_text)
def test_random_text_formats_well_or_is_refused(text: str) -> None:
    check_any(text)


COMMENTS = ("# a comment", "#", "#no space", "## two", "# trailing blanks  \t", "# ; not a statement",
            "# ns fake", "# $(reboot) `id` é \u2028 \x0c", "#\tafter a tab")
LEADS = ("", " ", "\t", "  ;  ", ";")


@st.composite
def commented(draw: st.DrawFn) -> str:
    """A seed lab (maybe mutated) with comment lines, trailing comments, blank lines, indentation,
    `;`-joined lines and CRLF line ends put in."""
    seed = draw(st.one_of(st.sampled_from(sorted(SEEDS)).map(SEEDS.__getitem__),
                          mutants(hostile=False).map(lambda m: m.text)))
    lines = seed.split("\n")
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(lines)))
        operation = draw(st.sampled_from(("comment line", "trailing", "blank", "indent", "join", "empty statement")))
        comment = draw(st.sampled_from(COMMENTS))
        if operation == "comment line":
            lines.insert(at, draw(st.sampled_from(LEADS)) + comment)
        elif operation == "blank":
            lines.insert(at, draw(st.sampled_from(("", "  ", "\t", ";"))))
        elif at < len(lines):
            if operation == "trailing":
                lines[at] += draw(st.sampled_from(("", " ", "  ", "\t"))) + comment
            elif operation == "indent":
                lines[at] = draw(st.sampled_from(LEADS)) + lines[at]
            elif operation == "empty statement":
                lines[at] += " ;"
            elif at + 1 < len(lines) and "#" not in lines[at]:
                lines[at:at + 2] = [lines[at] + draw(st.sampled_from((";", " ; ", ";\t"))) + lines[at + 1]]
    ending = draw(st.sampled_from(("\n", "\r\n")))
    return ending.join(lines)


@settings(FUZZ, max_examples=300)
@given(commented())
def test_commented_labs_format_well(text: str) -> None:
    check_any(text)


# the layout's rules --------------------------------------------------------------------------------

def fmt(text: str) -> str:
    formatted, diagnostics = format_source(text, "lab.ns")
    assert formatted is not None, diagnostics
    return formatted


def test_statements_go_in_declaration_order_each_group_as_written() -> None:
    text = ("expect b ping 10.0.0.1\nforward tcp 80 -> 10.0.0.2:80\nroute b default via 10.0.0.1\n"
            "veth b<->br0 ip 10.0.0.2/24\nbridge br0 ip 10.0.0.1/24\nns b\nns a\nlab x\nipv6 link-local\n"
            "sysctl b net.ipv4.conf.all.rp_filter=0\nrouter a\naddress a:lo 10.9.0.1/32\nnat masquerade 10.0.0.0/24\n"
            "macvlan a:m on br0\n")
    assert fmt(text) == (
        "lab x\nipv6 link-local\n\nns b\nns a\n\nbridge br0 ip 10.0.0.1/24\n\n"
        "veth b<->br0 ip 10.0.0.2/24\nmacvlan a:m on br0\n\naddress a:lo 10.9.0.1/32\n\n"
        "route b default via 10.0.0.1\n\nsysctl b net.ipv4.conf.all.rp_filter=0\nrouter a\n\n"
        "forward tcp 80 -> 10.0.0.2:80\nnat masquerade 10.0.0.0/24\n\nexpect b ping 10.0.0.1\n")


def test_joined_statements_are_split_and_words_spaced_canonically() -> None:
    text = "ns red ;ns  blue;;\tveth red <-> blue : b0 ip 10.0.0.1/24 ,10.0.0.2/24 mtu\t1400\n" \
           "sysctl red net.ipv4.ip_forward = 1; forward udp 53->10.0.0.2 : 5353 in eth0\n"
    assert fmt(text) == ("ns red\nns blue\n\nveth red<->blue:b0 ip 10.0.0.1/24, 10.0.0.2/24 mtu 1400\n\n"
                         "sysctl red net.ipv4.ip_forward=1\n\nforward udp 53 -> 10.0.0.2:5353 in eth0\n")


def test_a_comment_block_moves_with_its_statement() -> None:
    text = "ns a\n# the route of b\n# (two lines)\nroute b default via 10.0.0.1\nns b\n"
    assert fmt(text) == "ns a\nns b\n\n# the route of b\n# (two lines)\nroute b default via 10.0.0.1\n"


def test_a_commented_statement_inside_a_group_gets_a_blank_line_before_its_comments() -> None:
    assert fmt("ns a\n   # b is the server\nns b\n") == "ns a\n\n# b is the server\nns b\n"


def test_a_comment_separated_by_a_blank_line_keeps_it() -> None:
    text = "ns a\n# about b\n\n\n# more about b\n\nns b\n"
    assert fmt(text) == "ns a\n\n# about b\n\n# more about b\n\nns b\n"


def test_trailing_comments_stay_on_their_line_and_align() -> None:
    text = "ns a # first\nns longer-name   # second\nns c\nns d; ns e # after d and e\n"
    assert fmt(text) == ("ns a            # first\nns longer-name  # second\nns c\nns d\n"
                         "ns e            # after d and e\n")


def test_top_comments_stay_at_the_top_and_end_comments_at_the_end() -> None:
    text = "# the lab\n\n# about the expectation\nexpect a ping 10.0.0.1\nns a\n\n# the end\n#  really\n\n\n"
    assert fmt(text) == ("# the lab\n\nns a\n\n# about the expectation\nexpect a ping 10.0.0.1\n\n"
                         "# the end\n#  really\n")


def test_options_and_words_in_columns() -> None:
    text = ("route red default via 10.0.0.1\nroute blue 10.1.0.0/16 via 10.0.0.2 metric 5\n"
            "veth red<->br0 ip 10.0.0.3/24\nveth longer<->br0 mtu 1400\nveth x<->br0\n")
    assert fmt(text) == ("veth red<->br0    ip 10.0.0.3/24\nveth longer<->br0 mtu 1400\nveth x<->br0\n\n"
                         "route red  default     via 10.0.0.1\nroute blue 10.1.0.0/16 via 10.0.0.2 metric 5\n")


@pytest.mark.parametrize(("text", "expected"), [
    ("", ""), ("\n\n", ""), ("# only a comment\n\n", "# only a comment\n"), ("ns a", "ns a\n"),
    ("ns a\r\n# c\r\n", "ns a\n# c\n"), ("\n\n  ns a  \n\n", "ns a\n"), ("# c\n\n\n# d", "# c\n\n# d\n")])
def test_edges(text: str, expected: str) -> None:
    assert fmt(text) == expected


def test_comment_text_is_kept_as_written() -> None:
    text = "ns a  #\tkeep   these\tblanks  and $(this) \u2028 too\n"
    assert fmt(text) == "ns a  #\tkeep   these\tblanks  and $(this) \u2028 too\n"


def test_a_lab_with_semantic_errors_is_formatted() -> None:
    """fmt is layout only: an unknown namespace is `nsgen check`'s business."""
    assert fmt("route nowhere default via 10.0.0.1;ns a\n") == "ns a\n\nroute nowhere default via 10.0.0.1\n"


def test_syntax_errors_give_the_parsers_diagnostics() -> None:
    formatted, diagnostics = format_source("ns a\nfrob\nveth a\n", "bad.ns")
    assert formatted is None
    assert [(d.code, d.span.line) for d in diagnostics] == [("E002", 2), ("E003", 3)]


def test_groups_follow_the_registry_order() -> None:
    """The settings first (lab, ipv6), namespaces before bridges before links, the firewall after
    routes, the expectations last: the bands of StatementKind.order as fmt reads them."""
    group = {kind.rule: GROUPS[kind.rule] for kind in REGISTRY}
    assert group["lab"] == group["ipv6"] == 0
    assert group["ns"] < group["bridge"] < group["veth"] == group["vxlan"] == group["macvlan"] < group["address"]
    assert group["address"] < group["route"] < group["router"] == group["sysctl"] < group["masquerade"]
    assert group["masquerade"] == group["forward"] < group["expect_ping"] == group["expect_connect"]


def test_formatted_examples_keep_their_comments_in_place() -> None:
    """The seed's expectations keep their comments on their own lines."""
    formatted = fmt((Path(__file__).resolve().parent.parent / "examples" / "seed.ns").read_text(encoding="utf-8"))
    assert re.search(r"^expect outside no ping 192\.168\.15\.2 +# the LAN has no route into the lab$", formatted, re.M)
    assert formatted.startswith("# The tutorial's lab")


# the command -----------------------------------------------------------------------------------------

@pytest.fixture(params=["in-process", "process"])
def nsgen(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """`nsgen ARGS...` run in an empty temporary folder, in-process or as a process (as in test_cli)."""
    monkeypatch.chdir(tmp_path)
    return run_in_process if request.param == "in-process" else run_as_process


UNFORMATTED = "ns b; ns a   # two\nveth a<->b\n"
FORMATTED = "ns b\nns a  # two\n\nveth a<->b\n"


def test_fmt_prints_the_layout_and_changes_nothing(nsgen: Run, tmp_path: Path) -> None:
    lab = tmp_path / "lab.ns"
    lab.write_text(UNFORMATTED, encoding="utf-8")
    outcome = nsgen("fmt", "lab.ns")
    assert (outcome.code, outcome.stdout, outcome.stderr) == (0, FORMATTED, "")
    assert lab.read_text(encoding="utf-8") == UNFORMATTED


def test_fmt_reads_standard_input(nsgen: Run) -> None:
    outcome = nsgen("fmt", "-", input=UNFORMATTED)
    assert (outcome.code, outcome.stdout) == (0, FORMATTED)


def test_fmt_check_prints_a_diff_and_exits_1(nsgen: Run, tmp_path: Path) -> None:
    (tmp_path / "lab.ns").write_text(UNFORMATTED, encoding="utf-8")
    outcome = nsgen("fmt", "--check", "lab.ns")
    assert outcome.code == 1
    assert outcome.stdout.startswith("--- lab.ns\n+++ lab.ns (formatted)\n@@ ")
    assert "\n-ns b; ns a   # two\n" in outcome.stdout and "\n+ns a  # two\n" in outcome.stdout
    assert "not formatted" in outcome.stderr
    assert (tmp_path / "lab.ns").read_text(encoding="utf-8") == UNFORMATTED


def test_fmt_check_of_a_formatted_file_exits_0_silently(nsgen: Run, tmp_path: Path) -> None:
    (tmp_path / "lab.ns").write_text(FORMATTED, encoding="utf-8")
    outcome = nsgen("fmt", "--check", "lab.ns")
    assert (outcome.code, outcome.stdout, outcome.stderr) == (0, "", "")


def test_fmt_check_shows_a_missing_final_newline(nsgen: Run, tmp_path: Path) -> None:
    (tmp_path / "lab.ns").write_text("ns a", encoding="utf-8")
    outcome = nsgen("fmt", "--check", "lab.ns")
    assert outcome.code == 1
    assert "-ns a\n\\ No newline at end of file\n+ns a\n" in outcome.stdout


def test_fmt_write_rewrites_the_file(nsgen: Run, tmp_path: Path) -> None:
    lab = tmp_path / "lab.ns"
    lab.write_text(UNFORMATTED, encoding="utf-8")
    outcome = nsgen("fmt", "--write", "lab.ns")
    assert (outcome.code, outcome.stdout) == (0, "")
    assert lab.read_text(encoding="utf-8") == FORMATTED
    again = nsgen("fmt", "--check", "lab.ns")
    assert again.code == 0


def test_fmt_syntax_error_exits_1_with_diagnostics_and_writes_nothing(nsgen: Run, tmp_path: Path) -> None:
    lab = tmp_path / "lab.ns"
    lab.write_text("ns a\nfrob\n", encoding="utf-8")
    for args in (["fmt", "lab.ns"], ["fmt", "--write", "lab.ns"], ["fmt", "--check", "lab.ns"]):
        outcome = nsgen(*args)
        assert outcome.code == 1 and outcome.stdout == ""
        assert re.search(r"^lab\.ns:2:1: error\[E002\]", outcome.stderr, re.M)
        assert "Traceback" not in outcome.stderr
    assert lab.read_text(encoding="utf-8") == "ns a\nfrob\n"


@pytest.mark.parametrize("args", [["fmt", "missing.ns"], ["fmt", "--check", "--write", "lab.ns"],
                                  ["fmt", "--write", "-"], ["fmt", "--frob", "lab.ns"]])
def test_fmt_usage_errors_exit_2(nsgen: Run, tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "lab.ns").write_text(UNFORMATTED, encoding="utf-8")
    outcome = nsgen(*args, input="ns a\n")
    assert outcome.code == 2 and outcome.stdout == ""
    assert "Traceback" not in outcome.stderr
    assert (tmp_path / "lab.ns").read_text(encoding="utf-8") == UNFORMATTED


def test_a_4000_line_lab_formats_well() -> None:
    """Scale: the big-lab generator's labs (one group after another per bridge) come out grouped."""
    text = big_lab(4_000)
    formatted = fmt(text)
    assert fmt(formatted) == formatted
    assert meaning(formatted) == declaration_order(text)
    assert formatted.count("\n\n") == 5  # lab, ns, bridge, veth, route, forward: six groups


IPV6 = re.compile(r"[0-9a-fA-F]*:[0-9a-fA-F]*:")
"""Two ':' with only hex digits between: an IPv6 address."""


@pytest.mark.parametrize("rule", sorted(kind.rule for kind in REGISTRY))
def test_every_statement_of_the_golden_labs_formats_alone_and_spaced_out(rule: str) -> None:
    """Each kind of statement, as the golden labs write it and with blanks around every `:`, `<->`,
    `=`, `,` and `->` (but in MAC addresses) and `;` at the end, comes out the same canonical way."""
    node = next(kind.node for kind in REGISTRY if kind.rule == rule)
    golden = [*GOLDEN.glob("*/*.ns"), *(GOLDEN.parent / "golden-machines").glob("*/*.ns")]
    sources = [s.source for path in sorted(golden)
               for s in parse(path.read_text(encoding="utf-8"), path.name)[0].statements  # type: ignore[union-attr]
               if isinstance(s, node)]
    assert sources, f"no golden lab has a `{rule}` statement"
    text = "\n".join(sources) + "\n"
    spaced = "\n".join(line if " mac " in line or IPV6.search(line) else
                       re.sub(r"\s*(<->|->|[:,=])\s*", r" \1 ", line) + " ;"
                       for line in text.splitlines()) + "\n"  # MAC and IPv6 addresses keep their own ':'s
    assert spaced.count("\n") == len(sources)
    assert fmt(spaced) == fmt(text)
    assert_formats_well(spaced)


def test_a_sysctl_value_that_looks_like_punctuation_stays_a_value() -> None:
    assert fmt("sysctl a net.x.y = :\n") == "sysctl a net.x.y=:\n"
    assert fmt("sysctl a net.x.y=a:b\n") == "sysctl a net.x.y=a:b\n"


def test_run_words_that_look_like_punctuation_stay_words() -> None:
    """Found by hypothesis: `run red [ -m ...` was printed `run red [-m ...`, another argv."""
    assert fmt("ns red\nrun red [ -m http.server\n") == "ns red\n\nrun red [ -m http.server\n"
    assert fmt("ns red\nrun red a : b = c , d ]\n") == "ns red\n\nrun red a : b = c , d ]\n"
