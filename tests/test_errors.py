"""Error corpus: tests/errors/<case>.ns must give exactly the diagnostics in <case>.err."""

from __future__ import annotations

import pytest

from nsgen.compiler import compile_source
from nsgen.compiler.diagnostics import render
from tests.conftest import ROOT, assert_golden

ERRORS = ROOT / "tests" / "errors"
CASES = sorted(p.stem for p in ERRORS.glob("*.ns"))


def diagnose(case: str) -> tuple[str, list[str], bool]:
    """Rendered diagnostics, their codes, and whether compilation succeeded."""
    source = (ERRORS / f"{case}.ns").read_bytes().decode("utf-8", errors="replace")
    result = compile_source(source, f"{case}.ns")
    text = "".join(render(d, source) + "\n" for d in result.diagnostics)
    return text, [d.code for d in result.diagnostics], result.ok


@pytest.mark.parametrize("case", CASES)
def test_diagnostics_match(case: str, update_golden: bool) -> None:
    text, _codes, _ok = diagnose(case)
    assert_golden(ERRORS / f"{case}.err", text, update_golden)


@pytest.mark.parametrize("case", [c for c in CASES if c[0] in "EW" and c[1:4].isdigit()])
def test_case_reports_its_code(case: str) -> None:
    """A case named after a code must report that code; E-cases must fail, W-cases must pass."""
    _text, codes, ok = diagnose(case)
    code = case.split("-")[0]
    assert code in codes
    assert ok == code.startswith("W")


@pytest.mark.parametrize("case", [c for c in CASES if c.startswith("hostile")])
def test_hostile_input_is_refused(case: str) -> None:
    _text, codes, ok = diagnose(case)
    assert not ok and codes


def test_every_code_has_a_case_and_docs() -> None:
    """Each diagnostic code the compiler can emit has an error case and a line in docs/language.md."""
    import re

    sources = "".join(p.read_text() for p in (ROOT / "nsgen").rglob("*.py"))
    emitted = set(re.findall(r'(?:error|warning)\(\s*"([EW]\d{3})"', sources))
    assert len(emitted) > 20
    # a target's refusals (E150) need a target to show: their cases are in tests/refusals/
    refusals = {p.name.split("-")[0] for p in (ROOT / "tests" / "refusals").glob("*.ns")}
    cases = {c.split("-")[0] for c in CASES} | refusals
    docs = (ROOT / "docs" / "language.md").read_text()
    assert sorted(emitted - cases) == []
    assert sorted(c for c in emitted if f"`{c}`" not in docs) == []


def test_errors_in_source_order() -> None:
    source = "ns red\nroute bleu default via 1.2.3.4\nns red\nforward tcp 0 -> 9.9.9.9\n"
    result = compile_source(source, "x.ns")
    lines = [d.span.line for d in result.diagnostics]
    assert lines == sorted(lines) and len(lines) >= 3


def test_syntax_errors_each_bad_statement_reported() -> None:
    result = compile_source("frob\nns ok\nns $x; ns fine; veth\n", "x.ns")
    assert [(d.span.line, d.code) for d in result.diagnostics] == [(1, "E002"), (3, "E001"), (3, "E003")]


def test_huge_line_is_refused_quickly() -> None:
    """A 10 MB line gets a diagnostic, and its rendering stays short."""
    source = "ns " + "a" * 10_000_000 + "$\n"
    result = compile_source(source, "big.ns")
    assert not result.ok
    assert len(render(result.diagnostics[0], source)) < 2000
