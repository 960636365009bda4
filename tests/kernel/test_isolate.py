"""`isolate`/`allow` on the kernel: the block and the allow, in both targets, with br_netfilter on and
off, whatever joins the namespaces (a bridge, a direct veth, a router namespace).

`golden/isolate` passes `nsgen test` in every style (tests/kernel/test_labs.py). Here: the same lab
with br_netfilter forced on and off, the control (without `isolate` its `no` expectations fail, so
they are what the rules block), and labs joined by a direct veth and through a router.
"""

from __future__ import annotations

import pytest

from nsgen.compiler.styles import STYLES
from nsgen.harness import labtest
from nsgen.harness.labtest import Host
from tests.conftest import ROOT

pytestmark = pytest.mark.sandbox

ISOLATE = (ROOT / "golden" / "isolate" / "isolate.ns").read_text(encoding="utf-8")

DIRECT = """\
ns red
ns blue
veth red<->blue ip 10.0.0.1/24, 10.0.0.2/24
isolate blue
allow red -> blue tcp 80
expect red tcp 10.0.0.2:80 reaches blue
expect red no tcp 10.0.0.2:81 reaches blue
expect red no ping 10.0.0.2
expect blue tcp 10.0.0.1:81 reaches red
"""

ROUTED = """\
ns red
ns r1
ns blue
ns green
veth red<->r1 ip 10.0.1.2/24, 10.0.1.1/24
veth r1:b<->blue ip 10.0.2.1/24, 10.0.2.2/24
veth r1:g<->green ip 10.0.3.1/24, 10.0.3.2/24
router r1
route red default via 10.0.1.1
route blue default via 10.0.2.1
route green default via 10.0.3.1
isolate blue
allow 10.0.1.0/24 -> blue udp 53
expect red udp 10.0.2.2:53 reaches blue
expect green no udp 10.0.2.2:53 reaches blue
expect green no tcp 10.0.2.2:53 reaches blue
expect blue tcp 10.0.3.2:9000 reaches green
"""


def _prove(text: str, target: str, style: str = "default",
           host: Host | None = None) -> tuple[labtest.LabTestReport, str]:
    report = labtest.prove_lab(text, "isolate.ns", target, style, host or Host())
    return report, "\n".join([labtest.format_table(report.rows), labtest.format_details(report.rows), report.message])


@pytest.mark.parametrize("br_netfilter", [True, False], ids=["br_netfilter-on", "br_netfilter-off"])
def test_isolation_holds_with_and_without_br_netfilter(target: str, br_netfilter: bool) -> None:
    report, shown = _prove(ISOLATE, target, host=Host(br_netfilter=br_netfilter))
    assert report.passed, shown


def test_without_isolate_the_blocked_connections_pass(target: str) -> None:
    """The control: without `isolate blue` (its allows then warn W191 and add nothing), every `no`
    expectation of golden/isolate about blue fails: those are the connections the rules block."""
    lab = ISOLATE.replace("isolate blue\n", "")
    report, shown = _prove(lab, target)
    failed = {row.statement for row in report.rows if not row.passed}
    assert failed == {"expect green no tcp 10.0.0.2:80 reaches blue", "expect red no tcp 10.0.0.2:81 reaches blue",
                      "expect green no tcp 10.0.0.2:22 reaches blue", "expect green no ping 10.0.0.2",
                      "expect green no tcp 10.0.0.2:8080 reaches blue"}, shown


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("joined", [DIRECT, ROUTED], ids=["direct-veth", "through-a-router"])
def test_isolation_whatever_joins_the_namespaces(target: str, style: str, joined: str) -> None:
    report, shown = _prove(joined, target, style)
    assert report.passed, shown
