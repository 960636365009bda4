"""`nsgen graph` (issue 10, item 4): golden DOT and Mermaid files for every golden case and example
(`pytest --update-golden` rewrites them), Graphviz accepts every DOT file, every interface and address
of a lab is in its picture, the formats draw the hooks (machines, isolated namespaces, VLANs,
switches), and the command's exit codes."""

from __future__ import annotations

import dataclasses
import html
import os
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import event, given, settings

from nsgen.cli import GRAPH_FORMATS
from nsgen.compiler import compile_source
from nsgen.compiler.graph import FORMATS, render_graph
from nsgen.compiler.graph import svg as svg_of
from nsgen.compiler.graph.dot import render_dot
from nsgen.compiler.graph.mermaid import render_mermaid
from nsgen.compiler.graph.model import DRAWN, NOT_DRAWN, Edge, LabGraph, Node, lab_graph
from nsgen.compiler.machines import MachinePlans
from nsgen.compiler.plan import LabPlan
from tests.conftest import ROOT, assert_golden
from tests.test_cli import Run, run_as_process, run_in_process
from tests.test_properties import FUZZ, Mutant, mutants

GOLDEN = ROOT / "golden"
LABS = {f"golden/{p.name}": p / f"{p.name}.ns" for p in sorted(GOLDEN.iterdir()) if p.is_dir()}
LABS |= {f"examples/{p.stem}": p for p in sorted((ROOT / "examples").glob("*.ns"))}
SUFFIX = {"dot": "dot", "mermaid": "mmd"}


def expected_path(lab: str, format: str) -> Path:
    """golden/<case>/graph.dot|mmd; examples/graphs/<name>.dot|mmd."""
    if lab.startswith("golden/"):
        return GOLDEN / lab.removeprefix("golden/") / f"graph.{SUFFIX[format]}"
    return ROOT / "examples" / "graphs" / f"{lab.removeprefix('examples/')}.{SUFFIX[format]}"


def plan_of(lab: str) -> LabPlan:
    path = LABS[lab]
    result = compile_source(path.read_text(encoding="utf-8"), path.name)
    assert result.plan is not None, result.diagnostics
    return result.plan


def drawable(lab: str) -> LabPlan | MachinePlans:
    """What `nsgen graph` draws: the plan, or a lab across machines' plan per machine."""
    path = LABS[lab]
    result = compile_source(path.read_text(encoding="utf-8"), path.name)
    drawn = result.plan or result.machines
    assert drawn is not None, result.diagnostics
    return drawn


def need_dot() -> str:
    """Graphviz's dot, or a skip naming it (a failure under CI=true, whose machine installs it)."""
    program = shutil.which("dot")
    if program is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Graphviz's dot is not installed, and CI=true forbids skipping (.ci/run installs graphviz)")
        pytest.skip("Graphviz's dot is not installed (apt-get install graphviz)")
    return program


@pytest.mark.parametrize("format", SUFFIX)
@pytest.mark.parametrize("lab", LABS)
def test_graph_matches_golden(lab: str, format: str, update_golden: bool) -> None:
    path = expected_path(lab, format)
    path.parent.mkdir(exist_ok=True)
    assert_golden(path, render_graph(drawable(lab), format), update_golden)


@pytest.mark.parametrize("lab", LABS)
def test_graphviz_accepts_the_dot_file(lab: str, tmp_path: Path) -> None:
    need_dot()
    svg = render_graph(drawable(lab), "svg")
    assert svg.lstrip().startswith("<?xml") and svg.rstrip().endswith("</svg>")


@pytest.mark.parametrize("lab", LABS)
def test_every_interface_and_address_is_drawn(lab: str) -> None:
    """Each veth end, VXLAN and macvlan by name, each address of the lab, each NAT and forward."""
    drawn = drawable(lab)
    for plan in [drawn] if isinstance(drawn, LabPlan) else list(drawn.plans.values()):
        _each_drawn(drawn, plan)


def _each_drawn(drawn: LabPlan | MachinePlans, plan: LabPlan) -> None:
    names = [end.ifname for veth in plan.veths for end in (veth.inner, veth.outer)]
    names += [v.ifname for v in plan.vxlans] + [m.ifname for m in plan.macvlans] + [a.ifname for a in plan.addresses]
    addresses = [a for veth in plan.veths for end in (veth.inner, veth.outer) for a in end.addresses]
    addresses += [a for b in plan.bridges for a in b.addresses] + [v.address for v in plan.vxlans]
    addresses += [m.address for m in plan.macvlans] + [a.address for a in plan.addresses]
    addresses += [m.subnet for m in plan.masquerades] + [f"{f.target}:{f.target_port}" for f in plan.forwards]
    for format in SUFFIX:
        text = render_graph(drawn, format).replace("\\n", "\n").replace("<br/>", "\n")  # line breaks in labels
        for word in [*names, *(a for a in addresses if a)]:
            assert re.search(rf"(?<![\w.-]){re.escape(word)}(?![\w.-])", text), (format, word)
        for namespace in plan.namespaces:
            assert f'"{namespace.name}' in text


def test_seed_graph_has_each_kind_of_thing_with_its_shape() -> None:
    graph = lab_graph(plan_of("examples/seed"))
    assert [(n.id, n.kind) for n in graph.nodes] == [
        ("ns/red", "namespace"), ("ns/blue", "namespace"), ("bridge/v-net-0", "bridge"), ("host", "host"),
        ("outside", "outside")]
    kinds = [(e.tail, e.head, e.kind, e.directed) for e in graph.edges]
    assert kinds == [("bridge/v-net-0", "host", "port", False), ("ns/red", "bridge/v-net-0", "link", False),
                     ("ns/blue", "bridge/v-net-0", "link", False), ("host", "outside", "nat", True),
                     ("outside", "ns/blue", "forward", True)]
    assert graph.edges[1].tail_label == ("veth-red", "192.168.15.1/24")
    assert graph.edges[3].label == ("MASQUERADE 192.168.15.0/24",)
    assert graph.edges[4].label == ("DNAT", "tcp 80 → 192.168.15.2:80")
    dot = render_dot(graph)
    assert '"ns/red" [label="red", shape=box, style="rounded"];' in dot
    assert '"bridge/v-net-0" [label="v-net-0", shape=hexagon];' in dot
    assert '"host" -- "outside" [label="MASQUERADE 192.168.15.0/24", dir=forward' in dot


def test_vxlans_pair_into_one_tunnel_each() -> None:
    graph = lab_graph(plan_of("golden/vxlan"))
    tunnels = [(e.tail, e.head, e.label) for e in graph.edges if e.kind == "tunnel"]
    assert tunnels == [("vxlan/site1/vx0", "vxlan/site2/vx0", ("VXLAN 42, udp 4789",)),
                       ("vxlan/host/vx7", "vxlan/far/vx7", ("VXLAN 7, udp 4789",))]
    ports = [(e.tail, e.head) for e in graph.edges if e.kind == "port" and e.head.startswith("vxlan/")]
    assert ("bridge/br7", "vxlan/host/vx7") in ports  # a host VXLAN on a bridge is its port


def test_a_vxlan_without_a_peer_in_the_lab_tunnels_to_outside() -> None:
    text = "ns a\nveth a<->host ip 10.0.0.2/24, 10.0.0.1/24\nvxlan a:vx0 id 5 remote 192.168.1.9 dev veth-a\n"
    result = compile_source(text, "lone.ns")
    assert result.plan is not None, result.diagnostics
    tunnel = next(e for e in lab_graph(result.plan).edges if e.kind == "tunnel")
    assert (tunnel.head, tunnel.head_label) == ("outside", ("192.168.1.9",))


def test_macvlan_on_a_host_interface_points_at_the_host() -> None:
    graph = lab_graph(plan_of("golden/macvlan-host"))
    edge = next(e for e in graph.edges if e.kind == "macvlan")
    assert (edge.tail, edge.head, edge.head_label, edge.label) == ("ns/red", "host", ("eth0",),
                                                                   ("macvlan vepa", "mtu 1400"))


def test_routers_and_extra_addresses_are_in_their_node() -> None:
    nodes = {n.id: n.label for n in lab_graph(plan_of("golden/router")).nodes}
    assert nodes["ns/r1"] == ("r1", "router", "lo 10.255.0.1/32", "lo 10.255.1.1/32", "a 169.254.1.1/32")
    host = {n.id: n.label for n in lab_graph(plan_of("golden/router-host")).nodes}["host"]
    assert host == ("host", "router", "veth-blue-host 10.0.5.1/24")


def test_the_graph_knows_every_field_of_the_plan() -> None:
    """A new kind of plan item (a new statement) must be drawn, or said not to be."""
    items = {f.name for f in dataclasses.fields(LabPlan) if f.type.startswith("tuple[")}
    assert items == set(DRAWN) | set(NOT_DRAWN)
    assert not set(DRAWN) & set(NOT_DRAWN)


HOOKS = LabGraph("hooks", "hooks.ns", (
    Node("ns/a", "namespace", ("a",), machine="m1"),
    Node("ns/b", "namespace", ("b",), isolated=True, machine="m2"),
    Node("switch/s", "switch", ("s",)),
), (Edge("ns/a", "switch/s", "link", vlans=("10",)), Edge("ns/b", "switch/s", "link", vlans=("trunk 10, 20",))))


def test_dot_draws_the_hooks() -> None:
    """Machines as clusters, isolated namespaces dashed, VLANs on links, switches as octagons."""
    dot = render_dot(HOOKS)
    assert 'subgraph "cluster_m1" {\n    label="m1";\n    "ns/a" [label="a", shape=box, style="rounded"];\n  }' in dot
    assert '"ns/b" [label="b\\n(isolated)", shape=box, style="rounded,dashed"];' in dot
    assert '"switch/s" [label="s", shape=octagon];' in dot
    assert '"ns/a" -- "switch/s" [label="VLAN 10"];' in dot


def test_mermaid_draws_the_hooks() -> None:
    mermaid = render_mermaid(HOOKS)
    assert 'subgraph m1["m1"]\n    n1("a")\n  end\n  subgraph m2["m2"]\n    n2("b<br/>(isolated)")\n  end' in mermaid
    assert 'n2("b<br/>(isolated)")' in mermaid and "class n2 isolated" in mermaid
    assert 'n3[["s"]]' in mermaid
    assert 'n2 ---|"VLAN trunk 10, 20"| n3' in mermaid


def test_labels_are_escaped() -> None:
    graph = LabGraph('we"ird', "x.ns", (Node("ns/a", "namespace", ('a "q" \\ <b>',)),), ())
    assert '"ns/a" [label="a \\"q\\" \\\\ <b>"' in render_dot(graph)
    assert 'n1("a #quot;q#quot; \\ #lt;b#gt;")' in render_mermaid(graph)


def test_cli_formats_are_the_graphs() -> None:
    assert GRAPH_FORMATS == FORMATS


# the command -----------------------------------------------------------------------------------------

SEED = ROOT / "examples" / "seed.ns"


@pytest.fixture(params=["in-process", "process"])
def nsgen(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """`nsgen ARGS...` run in an empty temporary folder, in-process or as a process (as in test_cli)."""
    monkeypatch.chdir(tmp_path)
    return run_in_process if request.param == "in-process" else run_as_process


@pytest.mark.parametrize("format", ["dot", "mermaid"])
def test_graph_prints_the_golden_text(nsgen: Run, format: str) -> None:
    outcome = nsgen("graph", "-f", format, str(SEED))
    assert outcome.code == 0, outcome.stderr
    assert outcome.stdout == render_graph(plan_of("examples/seed"), format).replace("(seed.ns)", f"({SEED.name})")
    assert outcome.stdout == expected_path("examples/seed", format).read_text(encoding="utf-8")


def test_graph_is_dot_by_default_and_reads_standard_input(nsgen: Run) -> None:
    outcome = nsgen("graph", "-", input=SEED.read_text(encoding="utf-8"))
    assert outcome.code == 0
    assert outcome.stdout.startswith("// nsgen graph of lab seed (<stdin>)\ngraph \"seed\" {\n")


def test_graph_svg_to_a_file(nsgen: Run, tmp_path: Path) -> None:
    need_dot()
    outcome = nsgen("graph", "-f", "svg", "-o", "seed.svg", str(SEED))
    assert (outcome.code, outcome.stdout) == (0, "")
    svg = html.unescape((tmp_path / "seed.svg").read_text(encoding="utf-8"))  # dot writes '-' as &#45;
    assert "<svg" in svg and ">v-net-0<" in svg and ">MASQUERADE 192.168.15.0/24<" in svg


def test_graph_svg_without_graphviz_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot here; python is run by its full path
    for run in (run_in_process, run_as_process):
        outcome = run("graph", "-f", "svg", str(SEED))
        assert (outcome.code, outcome.stdout) == (2, "")
        assert "needs Graphviz's `dot` program, and it is not installed" in outcome.stderr
        assert "hint: install Graphviz" in outcome.stderr and "Traceback" not in outcome.stderr


def test_graph_of_a_lab_with_errors_exits_1(nsgen: Run) -> None:
    outcome = nsgen("graph", "-", input="ns a\nveth a<->b ip 10.0.0.300/24\n")
    assert outcome.code == 1 and outcome.stdout == ""
    assert re.search(r"^<stdin>:2:\d+: error\[E105\]", outcome.stderr, re.M)


@pytest.mark.parametrize("args", [["graph", "-f", "png", "lab.ns"], ["graph", "missing.ns"],
                                  ["graph", "-o", "lab.ns", "lab.ns"]])
def test_graph_usage_errors_exit_2(nsgen: Run, tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "lab.ns").write_text("ns a\n", encoding="utf-8")
    outcome = nsgen(*args)
    assert outcome.code == 2 and outcome.stdout == ""
    assert "Traceback" not in outcome.stderr
    assert (tmp_path / "lab.ns").read_text(encoding="utf-8") == "ns a\n"


def _texts(graph: LabGraph) -> set[str]:
    """Every line of every label of a graph."""
    lines = {line for node in graph.nodes for line in node.label}
    return lines | {line for edge in graph.edges for line in (*edge.label, *edge.tail_label, *edge.head_label)}


def test_the_readme_picture_is_the_seed_lab(update_golden: bool) -> None:
    """docs/seed.svg shows what `nsgen graph` draws of examples/seed.ns now: the same texts (the
    geometry is Graphviz's, which differs between its versions). --update-golden redraws it."""
    picture = ROOT / "docs" / "seed.svg"
    if update_golden and shutil.which("dot"):
        picture.write_text(render_graph(plan_of("examples/seed"), "svg"), encoding="utf-8")
    shown = {html.unescape(text) for text in re.findall(r"<text [^>]*>([^<]*)</text>", picture.read_text("utf-8"))}
    assert shown == _texts(lab_graph(plan_of("examples/seed"))), \
        "redraw it: nsgen graph -f svg -o docs/seed.svg examples/seed.ns"
    assert "![The seed lab, drawn by nsgen graph](docs/seed.svg)" in (ROOT / "README.md").read_text("utf-8")


@settings(FUZZ, max_examples=60)
@given(mutants(hostile=True))
def test_mutated_labs_that_compile_are_drawn(mutant: Mutant) -> None:
    """Any lab that compiles is drawn in both formats, each namespace and link in it; Graphviz takes the DOT."""
    result = compile_source(mutant.text, "fuzz.ns")
    if result.plan is None:
        event("refused")
        return
    event("drawn")
    graph = lab_graph(result.plan)
    ids = [node.id for node in graph.nodes]
    assert len(ids) == len(set(ids)) and {f"ns/{ns.name}" for ns in result.plan.namespaces} <= set(ids)
    assert all(edge.tail in ids and edge.head in ids for edge in graph.edges)
    assert len([e for e in graph.edges if e.kind == "link"]) == len(result.plan.veths)
    dot, mermaid = render_dot(graph), render_mermaid(graph)
    assert mermaid.count(" ---") + mermaid.count(" -->") + mermaid.count(" -.-") == len(graph.edges)
    if shutil.which("dot"):
        assert svg_of(dot).rstrip().endswith("</svg>")
