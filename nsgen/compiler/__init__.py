"""The compiler: grammar -> IR -> checks -> plan -> steps -> scripts. `compile_source` runs it up to the plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nsgen.compiler.machines import MachinePlans

from nsgen.compiler.diagnostics import Diagnostic, sort_key
from nsgen.compiler.ir import Program
from nsgen.compiler.parser import parse
from nsgen.compiler.plan import LabPlan
from nsgen.compiler.resolve import lower
from nsgen.compiler.statements import CHECKS, LOWERING
from nsgen.compiler.symbols import collect, qualify_bridge_ends


@dataclass
class Compilation:
    """The plan (None when there are errors) and every diagnostic, in source order."""

    plan: LabPlan | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    machines: MachinePlans | None = None
    """A lab with machines: a plan per machine (`plan` is None then); docs/machines.md."""

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not any(d.is_error for d in self.diagnostics)


def compile_source(text: str, file: str, target: str | None = None, source: str | None = None) -> Compilation:
    """Compile the text of a lab file; `file` is how diagnostics and scripts name it. With a
    `target`, what that target cannot express is refused too (before any script is written).
    `source` is the lab file's identity on a host (the CLI gives its absolute path; default: its name)."""
    program, syntax = parse(text, file)
    if program is None:
        return Compilation(None, syntax)
    from nsgen.compiler.machines import is_machine_lab

    if is_machine_lab(program):
        return _compile_machines(program, target, source)
    return _compile_program(program, target, source)


def _compile_program(program: Program, target: str | None, source: str | None) -> Compilation:
    program = qualify_bridge_ends(program)
    symbols = collect(program)
    found = [d for check in CHECKS for d in check(program, symbols)]
    if target is not None:
        from nsgen.compiler.targets import get_target, unsupported

        found += unsupported(program, get_target(target))
    diagnostics = sorted(found, key=sort_key)
    if any(d.is_error for d in diagnostics):
        return Compilation(None, diagnostics)
    return Compilation(lower(program, symbols, LOWERING, source), diagnostics)


def _compile_machines(program: Program, target: str | None, source: str | None) -> Compilation:
    """A lab with machines: its own checks, then each machine's program through the ordinary compiler."""
    from nsgen.compiler.machines import MachinePlans, check_machine_lab, dedupe, project
    from nsgen.compiler.statements.machine import machines_of

    found = list(check_machine_lab(program))
    result = MachinePlans()
    if not any(d.is_error for d in found):
        for machine in machines_of(program):
            compiled = _compile_program(project(program, machine.name.text), target, source)
            found += compiled.diagnostics
            if compiled.plan is not None:
                result.plans[machine.name.text] = compiled.plan
                result.addresses[machine.name.text] = machine.address.text
    diagnostics = sorted(dedupe(found), key=sort_key)
    if any(d.is_error for d in diagnostics):
        return Compilation(None, diagnostics)
    return Compilation(None, diagnostics, result)
