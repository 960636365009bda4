"""`nsgen graph`: the lab drawn as DOT, Mermaid or (through Graphviz's `dot`) SVG, from its plan."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable

from nsgen.compiler.graph.dot import render_dot
from nsgen.compiler.graph.mermaid import render_mermaid
from nsgen.compiler.graph.model import LabGraph, lab_graph, machines_graph
from nsgen.compiler.machines import MachinePlans
from nsgen.compiler.plan import LabPlan

TEXT_FORMATS: dict[str, Callable[[LabGraph], str]] = {"dot": render_dot, "mermaid": render_mermaid}
FORMATS = (*TEXT_FORMATS, "svg")

SVG_TIMEOUT = 120
"""Seconds `dot -Tsvg` may take (a big lab takes Graphviz a while)."""


class GraphvizError(Exception):
    """`dot` is missing or failed; the text says so, `hint` what to do."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


def render_graph(plan: LabPlan | MachinePlans, format: str) -> str:
    """The lab's graph in `format` (dot, mermaid or svg). SVG needs Graphviz: GraphvizError without it.
    A lab across machines (its `MachinePlans`) is drawn with a cluster per machine."""
    if isinstance(plan, LabPlan):
        graph = lab_graph(plan)
    else:
        first = next(iter(plan.plans.values()))
        graph = machines_graph(first.name, first.file, plan.plans, plan.addresses)
    if format in TEXT_FORMATS:
        return TEXT_FORMATS[format](graph)
    return svg(render_dot(graph))


def svg(dot_text: str) -> str:
    """DOT text rendered as SVG by Graphviz's `dot`."""
    program = shutil.which("dot")
    hint = "install Graphviz (Debian: apt-get install graphviz), or use -f dot or -f mermaid and render it elsewhere"
    if program is None:
        raise GraphvizError("-f svg needs Graphviz's `dot` program, and it is not installed (not on PATH)", hint)
    try:
        done = subprocess.run([program, "-Tsvg"], input=dot_text, capture_output=True, text=True,
                              timeout=SVG_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GraphvizError(f"Graphviz's dot could not render the graph: {exc}", hint) from None
    if done.returncode != 0:
        raise GraphvizError(f"Graphviz's dot failed (exit {done.returncode}): {done.stderr.strip()}", hint)
    return done.stdout
