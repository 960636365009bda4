"""Every golden ruleset is one the kernel accepts: `nft --check -f` / `iptables-restore --test`."""

from __future__ import annotations

from pathlib import Path

import pytest

from nsgen.compiler import compile_source
from nsgen.compiler.targets import ruleset
from nsgen.harness.sandbox import Sandbox

pytestmark = pytest.mark.sandbox

# Both read the rules from stdin; neither changes anything, and the sandbox dies after anyway.
_CHECK = {
    "nft": ["nft", "--check", "-f", "-"],
    "iptables": ["iptables-restore", "--test", "--noflush"],
}


def test_ruleset_loads(golden_lab: Path, target: str, sandbox: Sandbox) -> None:
    """The ruleset the setup script would load passes the kernel's own check."""
    compilation = compile_source(golden_lab.read_text(encoding="utf-8"), str(golden_lab))
    assert compilation.plan is not None, f"{golden_lab} does not compile"
    rules = ruleset(compilation.plan, target)
    result = sandbox.run(_CHECK[target], input=rules)
    assert result.returncode == 0, f"{' '.join(_CHECK[target])} refused:\n{result.stderr}\n{rules}"
