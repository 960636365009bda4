"""Targets say what they support: anything else is refused with E150 before a script is written."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from nsgen.compiler import compile_source
from nsgen.compiler.diagnostics import render as render_diagnostic
from nsgen.compiler.targets import TARGETS, get_target
from nsgen.compiler.targets.nft import NftTarget
from tests.conftest import ROOT, assert_golden

REFUSALS = ROOT / "tests" / "refusals"


class NoForwards(NftTarget):
    """A target as a narrower back end would be: no port forwards, no `out` option."""

    name = "no-forwards"
    statements = frozenset({"lab", "ns", "bridge", "veth", "route", "masquerade", "expect_ping", "expect_connect",
                            "ipv6"})
    options = frozenset({"in", "mtu", "ip", "from"})


@pytest.fixture
def narrow_target() -> Iterator[str]:
    TARGETS[NoForwards.name] = NoForwards()
    try:
        yield NoForwards.name
    finally:
        del TARGETS[NoForwards.name]


def test_unsupported_statement_and_option_are_refused(narrow_target: str, update_golden: bool) -> None:
    path = REFUSALS / "E150-unsupported.ns"
    source = path.read_text(encoding="utf-8")
    result = compile_source(source, path.name, target=narrow_target)
    assert result.plan is None
    text = "".join(render_diagnostic(d, source) + "\n" for d in result.diagnostics)
    assert_golden(path.with_suffix(".err"), text, update_golden)


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_real_targets_express_every_example(target: str) -> None:
    for path in sorted((ROOT / "examples").glob("*.ns")):
        result = compile_source(path.read_text(encoding="utf-8"), path.name, target=target)
        assert not [d for d in result.diagnostics if d.code == "E150"], path


def test_bash_is_an_alias_of_iptables() -> None:
    assert get_target("bash") is get_target("iptables")
