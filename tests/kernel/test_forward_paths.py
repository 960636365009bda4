"""A host port forward from every side: the LAN (`outside`), the host itself (nat OUTPUT), a lab
namespace on the target's own subnet through the host's address (hairpin, masqueraded) and one on
another subnet, with br_netfilter on and off, in both targets.

`golden/forward-paths` passes `nsgen test` in every style as the kernel starts (test_labs.py); here
br_netfilter is set each way. Before nsgen had the OUTPUT rule and the hairpin's masquerade, the host's
own connections were refused and the hairpin ones worked only with br_netfilter on (and then seen
from the client's own address, not the host's).
"""

from __future__ import annotations

import pytest

from nsgen.harness import labtest
from nsgen.harness.labtest import Host
from tests.conftest import ROOT

pytestmark = pytest.mark.sandbox

PATHS = (ROOT / "golden" / "forward-paths" / "forward-paths.ns").read_text(encoding="utf-8")


@pytest.mark.parametrize("br_netfilter", [True, False], ids=["br_netfilter-on", "br_netfilter-off"])
def test_forward_from_every_side(target: str, br_netfilter: bool) -> None:
    report = labtest.prove_lab(PATHS, "forward-paths.ns", target, "default", Host(br_netfilter=br_netfilter))
    shown = "\n".join([labtest.format_table(report.rows), labtest.format_details(report.rows), report.message])
    assert report.passed, shown
    expected = {row.statement for row in report.rows if row.check == "expect"}
    assert len(expected) == 6, shown


@pytest.mark.parametrize("br_netfilter", [True, False], ids=["br_netfilter-on", "br_netfilter-off"])
def test_forward_with_in_takes_only_that_interface(target: str, br_netfilter: bool) -> None:
    """`in IF` keeps the forward to connections arriving on IF: the host's own are not forwarded."""
    lab = PATHS.replace("forward tcp 8080 -> 10.0.0.2:80", "forward tcp 8080 -> 10.0.0.2:80 in br1")
    lab = "\n".join(line for line in lab.splitlines() if not line.startswith("expect")) + "\n"
    lab += "expect far tcp 10.0.1.254:8080 reaches blue:80\nexpect host no tcp 10.0.0.254:8080 reaches blue:80\n"
    report = labtest.prove_lab(lab, "forward-paths.ns", target, "default", Host(br_netfilter=br_netfilter))
    shown = "\n".join([labtest.format_table(report.rows), labtest.format_details(report.rows), report.message])
    assert report.passed, shown
