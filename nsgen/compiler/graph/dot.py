"""The lab graph in Graphviz's DOT language (`nsgen graph -f dot`; `-f svg` renders it with `dot`)."""

from __future__ import annotations

from collections.abc import Iterator

from nsgen.compiler.graph.model import Edge, LabGraph, Node

SHAPES = {
    "namespace": 'shape=box, style="rounded"',
    "host": "shape=house",
    "bridge": "shape=hexagon",
    "switch": "shape=octagon",
    "vxlan": "shape=cds",
    "tunnel": "shape=cds",
    "outside": 'shape=ellipse, style="dashed"',
}
STYLES = {"link": "", "port": "", "macvlan": 'style="bold"', "tunnel": 'style="dashed"', "nat": 'color="firebrick"',
          "forward": 'color="darkgreen", constraint=false'}
"""Each kind of edge's look (a forward points back into the lab: it does not rank the nodes)."""


def quote(text: str) -> str:
    """A DOT string: in double quotes, with `"` and `\\` escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _label(lines: tuple[str, ...]) -> str:
    return quote("\n".join(lines))


def render_dot(graph: LabGraph) -> str:
    """The DOT text of a lab graph: an undirected graph, arrows on NAT and forwards."""
    lines = [f"// nsgen graph of lab {graph.name} ({graph.file})",
             f"graph {quote(graph.name)} {{",
             '  graph [rankdir=LR, ranksep=1.6, nodesep=0.5, fontname="Helvetica", fontsize=11];',
             '  node [fontname="Helvetica", fontsize=11];',
             '  edge [fontname="Helvetica", fontsize=9, labeldistance=3, labelfontsize=8, labelfontcolor="navy"];']
    lines += [f"  {_node(node)}" for node in graph.nodes if node.machine is None]
    for machine in sorted({node.machine for node in graph.nodes if node.machine is not None}):
        lines += [f"  subgraph {quote('cluster_' + machine)} {{", f"    label={quote(machine)};"]
        lines += [f"    {_node(node)}" for node in graph.nodes if node.machine == machine]
        lines.append("  }")
    lines += [f"  {quote(e.tail)} -- {quote(e.head)} [{', '.join(_edge_attributes(e))}];" for e in graph.edges]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _node(node: Node) -> str:
    label = node.label + (("(isolated)",) if node.isolated else ())
    style = SHAPES[node.kind]
    if node.isolated:
        style = style.replace('style="rounded"', 'style="rounded,dashed"') if "style=" in style \
            else style + ', style="dashed"'
    return f"{quote(node.id)} [label={_label(label)}, {style}];"


def _edge_attributes(edge: Edge) -> Iterator[str]:
    label = edge.label + ((f"VLAN {', '.join(edge.vlans)}",) if edge.vlans else ())
    if label:
        yield f"label={_label(label)}"
    if edge.tail_label:
        yield f"taillabel={_label(edge.tail_label)}"
    if edge.head_label:
        yield f"headlabel={_label(edge.head_label)}"
    if edge.directed:
        yield "dir=forward"
    if STYLES[edge.kind]:
        yield STYLES[edge.kind]
