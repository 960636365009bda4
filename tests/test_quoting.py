"""nsgen/compiler/render.py: the one rule for values in templates (quote them or fail), and its filters."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import jinja2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nsgen.compiler import compile_source
from nsgen.compiler.render import (
    Quoted,
    UnquotedValueError,
    comment,
    environment,
    ip_in,
    nft,
    q,
    unmark,
    without_values,
    words,
)
from nsgen.compiler.styles import STYLES
from nsgen.compiler.targets import SCRIPTS, TARGETS, render

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_CASES = sorted(p.name for p in (ROOT / "golden").iterdir() if p.is_dir())
TEMPLATES = sorted(str(p.relative_to(ROOT / "templates")) for p in (ROOT / "templates").rglob("*.j2"))

HOSTILE = ("$(reboot)", "`id`", ";rm -rf /", "a b", "'", '"', "''", "*", "?", "[a]", "{a,b}", "~root", "$HOME",
           "${IFS}", "\\", "a\nb", "\t", "!", "&", "|", "<", ">", "#x", "-rf", "é", "", " ", "a'b\"c", "%s", "\r")
QUOTE_SETTINGS = settings(derandomize=True, database=None, deadline=None, max_examples=300)


# q: one shell word ---------------------------------------------------------------------------------

@QUOTE_SETTINGS
@given(st.text())
def test_q_is_one_shell_word(value: str) -> None:
    assert shlex.split(q(value)) == [value]


@pytest.mark.parametrize("value", HOSTILE, ids=[repr(h) for h in HOSTILE])
def test_q_round_trips_through_bash(value: str) -> None:
    """bash itself reads q(value) back as exactly one word, value, with nothing expanded or run."""
    done = subprocess.run(["bash", "-c", f"printf '%s\\0' {q(value)}"], capture_output=True, check=False)
    assert done.returncode == 0
    assert done.stdout == value.encode() + b"\0"


@pytest.mark.parametrize("value", ["red", "v-net-0", "veth-red-br", "192.168.15.1/24", "eth0", "a.b_c"])
def test_q_leaves_plain_names_and_addresses_as_written(value: str) -> None:
    assert q(value) == value
    assert isinstance(q(value), Quoted)


@pytest.mark.parametrize("value", [42, 1500])
def test_q_takes_numbers(value: int) -> None:
    assert q(value) == str(value)


def test_words_quotes_each_value() -> None:
    assert shlex.split(words(["ip", "a b", "$(x)"])) == ["ip", "a b", "$(x)"]


@pytest.mark.parametrize(("namespace", "expected"), [(None, "ip"), ("red", "ip -n red"), ("a b", "ip -n 'a b'")])
def test_ip_in(namespace: str | None, expected: str) -> None:
    assert ip_in(namespace) == expected


# nft: a string literal ---------------------------------------------------------------------------

@pytest.mark.parametrize("value", ['a"b', "a\\b", "a\nb", "a\rb", '"'], ids=["quote", "backslash", "newline",
                                                                            "carriage-return", "only-quote"])
def test_nft_refuses_what_would_end_or_escape_the_string(value: str) -> None:
    with pytest.raises(UnquotedValueError):
        nft(value)


@pytest.mark.parametrize("value", ["eth0", "nsgen-seed", "a b"])
def test_nft_writes_a_string_literal(value: str) -> None:
    assert nft(value) == f'"{value}"'


# comment: one line of text -----------------------------------------------------------------------

@pytest.mark.parametrize("value", ["a\nb", "a\rb", "a\x00b", "a\x1bb", "a\u2028b"],
                         ids=["newline", "carriage-return", "nul", "escape", "line-separator"])
def test_comment_refuses_line_breaks_and_control_characters(value: str) -> None:
    with pytest.raises(UnquotedValueError):
        comment(value)


def test_comment_keeps_printable_text() -> None:
    assert comment("seed.ns:5  veth red<->v-net-0 ip 192.168.15.1/24") == \
        "seed.ns:5  veth red<->v-net-0 ip 192.168.15.1/24"


# the environment: every printed value goes through a filter -------------------------------------

@pytest.mark.parametrize("value", ["a", "$(reboot)", 5, "a b"], ids=["word", "hostile", "number", "blank"])
def test_unquoted_value_is_refused(value: object) -> None:
    with pytest.raises(UnquotedValueError):
        environment().from_string("ip netns add {{ x }}").render(x=value)


@pytest.mark.parametrize("source", ["{{ x }}", "{{ x ~ 'y' }}", "{{ x | upper }}", "{{ x | q ~ ' ' ~ x }}"])
def test_any_unfiltered_expression_is_refused(source: str) -> None:
    with pytest.raises(UnquotedValueError):
        environment().from_string(source).render(x="a")


@pytest.mark.parametrize(("source", "expected"), [
    ("ip netns add {{ x | q }}", "ip netns add '$(reboot)'"),
    ("{{ x | nft }}", '"$(reboot)"'),
    ("# {{ x | comment }}", "# $(reboot)"),
    ("{{ '' }}", ""),
], ids=["q", "nft", "comment", "empty"])
def test_filtered_values_render(source: str, expected: str) -> None:
    assert unmark(environment().from_string(source).render(x="$(reboot)")) == expected


def test_undefined_names_are_errors() -> None:
    with pytest.raises(jinja2.UndefinedError):
        environment().from_string("{{ missing | q }}").render()


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_template_compiles(name: str) -> None:
    environment().get_template(name)


@pytest.mark.parametrize("name", TEMPLATES)
def test_no_template_waits_for_any_job(name: str) -> None:
    """Background jobs are waited for by pid. Bash 5.2's `wait -n` sometimes returns 127 for a job
    that ended before the call (measured here: 1 in 300 pairs of short jobs), which failed a setup
    rerun in CI ("could not read the routes of a namespace this run did not create")."""
    assert "wait -n" not in (ROOT / "templates" / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("script", SCRIPTS)
@pytest.mark.parametrize("target", sorted(TARGETS))
@pytest.mark.parametrize("case", GOLDEN_CASES)
def test_golden_case_renders_with_every_value_quoted(case: str, target: str, script: str, style: str) -> None:
    """Every script of every golden case, in every style, renders without UnquotedValueError."""
    result = compile_source((ROOT / "golden" / case / f"{case}.ns").read_text(encoding="utf-8"), f"{case}.ns")
    assert result.plan is not None
    assert render(result.plan, target, script, style).startswith("#!/usr/bin/env bash\n")


def test_printed_values_can_be_told_from_template_code() -> None:
    """While a script is assembled, what the lab wrote is bracketed: helper calls are found in the
    templates' code only, never in a value that happens to be named like a helper."""
    text = environment().from_string("created ip netns add {{ x | q }} # {{ x | comment }}").render(x="rollback")
    assert without_values(text) == "created ip netns add  # "
    assert unmark(text) == "created ip netns add rollback # rollback"
