"""Every golden ruleset is one the kernel accepts: `nft --check -f` (both families, one inet table),
`iptables-restore --test` and, for a lab with IPv6 rules, `ip6tables-restore --test`; the host's
and those loaded inside namespaces (`nat NS`, `forward NS`, `isolate`, `allow`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nsgen.compiler import compile_source
from nsgen.compiler.targets import namespace_ruleset, ruleset
from nsgen.harness.sandbox import Sandbox

pytestmark = pytest.mark.sandbox

# Both read the rules from stdin; neither changes anything, and the sandbox dies after anyway.
_CHECK = {
    ("nft", 4): ["nft", "--check", "-f", "-"],
    ("iptables", 4): ["iptables-restore", "--test", "--noflush"],
    ("iptables", 6): ["ip6tables-restore", "--test", "--noflush"],
}


def test_ruleset_loads(golden_lab: Path, target: str, sandbox: Sandbox) -> None:
    """Each ruleset the setup script would load passes the kernel's own check: the nft file, or
    for iptables the ruleset of each family the lab has rules in."""
    compilation = compile_source(golden_lab.read_text(encoding="utf-8"), str(golden_lab))
    assert compilation.plan is not None, f"{golden_lab} does not compile"
    families = compilation.plan.families if target == "iptables" else (4,)
    for family in families or (4,):
        rules = ruleset(compilation.plan, target, family)
        check = _CHECK[(target, family)]
        result = sandbox.run(check, input=rules)
        assert result.returncode == 0, f"{' '.join(check)} refused:\n{result.stderr}\n{rules}"


def test_namespace_rulesets_load(golden_lab: Path, target: str, sandbox: Sandbox) -> None:
    """Each ruleset setup loads inside a namespace passes the same check, in each family the
    namespace's rules have (iptables: one restore per family; nft: one inet table)."""
    compilation = compile_source(golden_lab.read_text(encoding="utf-8"), str(golden_lab))
    assert compilation.plan is not None, f"{golden_lab} does not compile"
    for inside in compilation.plan.namespace_rules:
        for family in inside.families if target == "iptables" else (4,):
            rules = namespace_ruleset(compilation.plan, target, inside.netns, family)
            check = _CHECK[(target, family)]
            result = sandbox.run(check, input=rules)
            assert result.returncode == 0, f"{inside.netns}: {' '.join(check)} refused:\n{result.stderr}\n{rules}"
