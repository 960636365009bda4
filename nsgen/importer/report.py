"""The import's diagnostics, in nsgen's format, and the lines it could not translate.

Codes (E320-E349, W320-W349 are nsgen import's):
E320 unknown command; E321 shell control flow (loop, condition, function); E322 a value nsgen
cannot know (variable, command substitution); E323 something the lab language cannot say;
E324 a command nsgen cannot make sense of (missing or unknown argument, a device the script never
made); E325 an address of the other family than the command or rule names (`ip -6` with an IPv4
address, ip6tables with an IPv4 subnet: ip and ip6tables refuse it).
W330 `ip exec netns` read as `ip netns exec`; W331 an address without a prefix; W332 a veth end
never brought up; W333 `-d PORT` read as a port; W334 NAT without `ip_forward`; W335 DNAT without
`-p`, taken as tcp; W336 SNAT taken as MASQUERADE; W337 a filter accept that the lab's own accepts
cover; W338 a veth end whose MTU differs from its peer's; W339 a redirection in `ip netns exec`
that writes the host's /proc/sys; W340 a vxlan without dstport; W341 a MAC on a pair's second end
only; W342 deleting a veth end that went with its peer; W343 MASQUERADE without -s; W344 a bridge never
brought up; W345 a namespace's lo never brought up. E326: --live
cannot read what is running. Every code: docs/import.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nsgen.compiler.diagnostics import Diagnostic, Severity, Span

DEFAULT_HINTS = {
    "E320": "do it by hand after setup, or leave it out: a lab holds namespaces, links, addresses, routes, "
            "sysctls and NAT",
    "E323": "leave it out, or do it by hand after setup: the lab language cannot say it (docs/language.md)",
    "E324": "ip (or iptables) would refuse it too, or it names something the script has not made by then: "
            "fix the line",
    "E325": "give an address of the family the command is for, or the command of the address's family",
}
"""The hint of a refusal that has none more precise."""


@dataclass
class Untranslated:
    """A script line left out of the lab, and why (the output cites it as a comment)."""

    line: int
    text: str
    reason: str


@dataclass
class Report:
    """Collects the import's diagnostics and refusals for one script."""

    file: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    untranslated: list[Untranslated] = field(default_factory=list)

    def span(self, line: int, column: int = 1, end: int | None = None) -> Span:
        return Span(self.file, line, column, end if end is not None else column + 1)

    def refuse(self, code: str, reason: str, span: Span, text: str, hint: str | None = None) -> None:
        """A line the import cannot translate: an error (with its code's usual hint when it has none
        of its own), and a comment in the output."""
        self.diagnostics.append(Diagnostic(code, Severity.ERROR, reason, span, hint or DEFAULT_HINTS.get(code)))
        if not any(u.line == span.line and u.reason == reason for u in self.untranslated):
            self.untranslated.append(Untranslated(span.line, text.strip(), reason))

    def warn(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        """Something the script gets wrong, or that reads two ways, which the import settled."""
        self.diagnostics.append(Diagnostic(code, Severity.WARNING, message, span, hint))
