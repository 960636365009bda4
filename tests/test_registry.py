"""Completeness of the statement registry: each statement has every part it needs.

A statement lives in one module of nsgen/compiler/statements/, which holds its registry entry. These tests fail, one per
missing part and statement, until a new statement has its transformer method, checks, lowering,
a golden case, an error case for each diagnostic its checks can give, and a docs section.
"""

from __future__ import annotations

import ast
import functools
import inspect
import re
import sys
import typing

import pytest

from nsgen.compiler import checks, ir
from nsgen.compiler.parser import parse
from nsgen.compiler.resolve import Context
from nsgen.compiler.statements import CHECKS, REGISTRY, StatementKind, route
from nsgen.compiler.symbols import collect
from tests.conftest import ROOT

KINDS = {kind.rule: kind for kind in REGISTRY}
ERROR_CASES = ROOT / "tests" / "errors"
DOCS = ROOT / "docs" / "language.md"


@functools.cache
def golden_programs() -> list[ir.Program]:
    """Every golden case's lab, parsed."""
    programs = []
    for path in sorted([*(ROOT / "golden").glob("*/*.ns"), *(ROOT / "golden-machines").glob("*/*.ns")]):
        program, _ = parse(path.read_text(encoding="utf-8"), path.name)
        assert program is not None, path
        programs.append(program)
    return programs


def codes_of(function: typing.Callable[..., object], seen: set[str] | None = None) -> set[str]:
    """The diagnostic codes a check can give: `error("E...")`/`warning("W...")` in its source and in
    the module's functions it calls, followed through."""
    seen = set() if seen is None else seen
    if function.__name__ in seen:
        return set()
    seen.add(function.__name__)
    source = inspect.getsource(function)
    codes = set(re.findall(r'(?:error|warning)\(\s*"([EW]\d{3})"', source))
    home = sys.modules[function.__module__]
    for node in ast.walk(ast.parse(inspect.cleandoc("\n" + source) if source.startswith(" ") else source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            called = getattr(home, node.func.id, None)
            if inspect.isfunction(called) and called.__module__.startswith("nsgen.compiler."):
                codes |= codes_of(called, seen)
    return codes


def test_registry_lists_each_rule_once() -> None:
    assert len(KINDS) == len(REGISTRY)


@pytest.mark.parametrize("rule", KINDS)
def test_statement_has_its_transformer_method(rule: str) -> None:
    kind = KINDS[rule]
    hints = typing.get_type_hints(kind.transform)
    assert hints.get("return") is kind.node, f"ToIR.{rule} must return {kind.node.__name__}"


@pytest.mark.parametrize("rule", KINDS)
def test_statement_has_checks(rule: str) -> None:
    assert KINDS[rule].checks, f"`{rule}` names no check in its registry entry"


def test_every_check_is_run() -> None:
    """A check written in checks.py or a statement's module but named by no statement would never run."""
    modules = [checks, *(sys.modules[kind.transform.__module__] for kind in REGISTRY)]
    written = {value for module in modules for name, value in vars(module).items()
               if name.startswith("check_") and inspect.isfunction(value)}
    assert {f"{f.__module__}.{f.__name__}" for f in written} == {f"{f.__module__}.{f.__name__}" for f in CHECKS}


@pytest.mark.parametrize("rule", KINDS)
def test_statement_has_a_golden_case(rule: str) -> None:
    kind = KINDS[rule]
    found = [s for program in golden_programs() for s in program.statements if isinstance(s, kind.node)]
    assert found, f"no golden/<case>/<case>.ns has a `{rule}` statement; add a case"


@pytest.mark.parametrize("rule", KINDS)
def test_statement_has_a_lowering(rule: str) -> None:
    """Its lowering runs on every golden instance; a statement that makes something makes an item."""
    kind = KINDS[rule]
    made = []
    for program in golden_programs():
        context = Context(collect(program), quiet=True)
        made += [item for s in program.statements if isinstance(s, kind.node) for item in kind.lower(s, context)]
    assert made or _sets_the_lab(kind), f"the lowering of `{rule}` made nothing from its golden cases"


def _sets_the_lab(kind: StatementKind) -> bool:
    """`lab`, `ipv6` and `machine` set something for the whole lab and make no plan item of their own."""
    return kind.node in (ir.Lab, ir.Ipv6, ir.Machine)


@pytest.mark.parametrize("rule", KINDS)
def test_each_diagnostic_of_the_statement_has_an_error_case(rule: str) -> None:
    codes = {code for check in KINDS[rule].checks for code in codes_of(check)}
    missing = sorted(code for code in codes if not list(ERROR_CASES.glob(f"{code}-*.ns")))
    assert not missing, f"no tests/errors/CODE-*.ns for {missing} (checks of `{rule}`)"


@pytest.mark.parametrize("rule", KINDS)
def test_statement_has_a_docs_section(rule: str) -> None:
    heading = KINDS[rule].docs
    lines = DOCS.read_text(encoding="utf-8").splitlines()
    assert any(line.startswith(heading) for line in lines), f"docs/language.md has no section `{heading}...`"


def test_codes_of_follows_helpers() -> None:
    """The code finder sees codes given by helpers a check calls (E100 comes from `unknown_name`)."""
    assert "E100" in codes_of(route.check_routes)


def test_a_file_lists_no_statement_by_hand() -> None:
    """The grammar's statement rule comes from the registry, not from the grammar file."""
    grammar = (ROOT / "grammar" / "nsgen.lark").read_text(encoding="utf-8")
    assert not re.search(r"^\??statement\s*:", grammar, re.M)
