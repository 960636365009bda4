"""The statement registry: each statement kind lives in one module of this package.

A module holds its statement's transformer method (`transform`, attached to `ToIR` under the
grammar rule's name), the checks that concern only it, its lowering into plan items, and its
`KINDS`: the registry entries (keyword, rule, IR class, those parts, the checks it shares with
other statements from `checks`, and its docs section). REGISTRY gathers every module's KINDS.
Everything else that lists statements is derived from it: the grammar's `statement` rule, the
keywords in syntax errors, the transformer, the checks that run, the lowering `resolve.lower`
dispatches to. `tests/test_registry.py` proves each entry complete.

Adding a statement that needs no new kind of step: a grammar rule, its IR class in ir.py, a module
here, a golden case, an error case per diagnostic, a section in docs/language.md.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nsgen.compiler import ir
from nsgen.compiler.checks import Check
from nsgen.compiler.resolve import Lowering


@dataclass(frozen=True)
class StatementKind:
    """Everything about one kind of statement, in one place."""

    order: int
    """Where it stands among the statements (keyword lists, checks, `nsgen fmt`): lower first. Its
    band is its place in a formatted lab (fmt.BANDS): below 20 the lab's settings, 20s namespaces,
    30s bridges, 40-44 links, 45-49 addresses, 50-54 routes, 55-59 routers and sysctls, 60-79 NAT
    and forwards, 80 and up expectations."""
    keyword: str
    """The word the statement starts with."""
    rule: str
    """Its grammar rule in grammar/nsgen.lark, and the name its transformer method gets."""
    node: type[ir.Statement]
    transform: Callable[..., Any]
    """`transform(self: ToIR, children) -> node`: the rule's parse as its IR node."""
    checks: tuple[Check, ...]
    """The semantic checks that look at it (a check may concern several kinds)."""
    lower: Lowering
    docs: str
    """How its section heading in docs/language.md starts."""


def _discover() -> tuple[StatementKind, ...]:
    """Every module's KINDS, in order."""
    kinds: list[StatementKind] = []
    for module in sorted(info.name for info in pkgutil.iter_modules(__path__)):
        kinds += importlib.import_module(f"{__name__}.{module}").KINDS
    return tuple(sorted(kinds, key=lambda kind: kind.order))


REGISTRY: tuple[StatementKind, ...] = _discover()

KEYWORDS: tuple[str, ...] = tuple(dict.fromkeys(kind.keyword for kind in REGISTRY))
"""Every statement's first word, in registry order, once each."""

CHECKS: tuple[Check, ...] = tuple(dict.fromkeys(check for kind in REGISTRY for check in kind.checks))
"""The checks `compile_source` runs: every check some statement names, once each."""

LOWERING: dict[type[ir.Statement], Lowering] = {kind.node: kind.lower for kind in REGISTRY}

TRANSFORMS: dict[str, Callable[..., Any]] = {kind.rule: kind.transform for kind in REGISTRY}
"""The transformer methods, by grammar rule."""


def statement_rule() -> str:
    """The grammar's `statement` rule: one alternative per registered statement."""
    return "?statement: " + "\n          | ".join(kind.rule for kind in REGISTRY) + "\n"
