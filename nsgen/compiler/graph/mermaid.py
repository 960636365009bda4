"""The lab graph as a Mermaid flowchart (`nsgen graph -f mermaid`), for Markdown that renders it."""

from __future__ import annotations

from nsgen.compiler.graph.model import Edge, LabGraph, Node

SHAPES = {
    "namespace": ("(", ")"),
    "host": ("[/", "\\]"),
    "bridge": ("{{", "}}"),
    "switch": ("[[", "]]"),
    "vxlan": (">", "]"),
    "tunnel": (">", "]"),
    "outside": ("((", "))"),
}
ARROWS = {(False, False): "---", (False, True): "-->", (True, False): "-.-", (True, True): "-.->"}
"""The edge for (dashed, directed)."""


def text(lines: tuple[str, ...]) -> str:
    """A quoted Mermaid label: lines joined by <br/>, quotes and angle brackets as entity codes."""
    escaped = ("".join({'"': "#quot;", "<": "#lt;", ">": "#gt;"}.get(ch, ch) for ch in line) for line in lines)
    return '"' + "<br/>".join(escaped) + '"'


def render_mermaid(graph: LabGraph) -> str:
    """The Mermaid text of a lab graph: nodes numbered n1, n2, ... in the graph's order."""
    ids = {node.id: f"n{number}" for number, node in enumerate(graph.nodes, start=1)}
    lines = [f"%% nsgen graph of lab {graph.name} ({graph.file})", "flowchart LR"]
    lines += [f"  {_node(node, ids)}" for node in graph.nodes if node.machine is None]
    machines = sorted({node.machine for node in graph.nodes if node.machine is not None})
    for number, machine in enumerate(machines, start=1):
        lines.append(f"  subgraph m{number}[{text((machine,))}]")
        lines += [f"    {_node(node, ids)}" for node in graph.nodes if node.machine == machine]
        lines.append("  end")
    lines += [f"  {_edge(edge, ids)}" for edge in graph.edges]
    isolated = [ids[node.id] for node in graph.nodes if node.isolated]
    if isolated:
        lines += ["  classDef isolated stroke-dasharray: 5 5", f"  class {','.join(isolated)} isolated"]
    return "\n".join(lines) + "\n"


def _node(node: Node, ids: dict[str, str]) -> str:
    opening, closing = SHAPES[node.kind]
    label = node.label + (("(isolated)",) if node.isolated else ())
    return f"{ids[node.id]}{opening}{text(label)}{closing}"


def _edge(edge: Edge, ids: dict[str, str]) -> str:
    """Mermaid has no labels at an edge's ends: they go into its one label, tail ↔ head (the end
    of the two that has one, alone)."""
    ends = " ↔ ".join(" ".join(end) for end in (edge.tail_label, edge.head_label) if end)
    lines = ((ends,) if ends else ()) + edge.label + ((f"VLAN {', '.join(edge.vlans)}",) if edge.vlans else ())
    arrow = ARROWS[(edge.kind == "tunnel", edge.directed)]
    label = f"|{text(lines)}|" if lines else ""
    return f"{ids[edge.tail]} {arrow}{label} {ids[edge.head]}"
