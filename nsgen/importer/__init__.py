"""`nsgen import`: a shell script of `ip`/`iptables`/`nft` commands (or what is running) as a lab file.

The script is read line by line (`shell.read_script`), each command's effect is followed on a
model of namespaces, links, addresses, routes, sysctls and rules (`interpret`, `firewall`), and
the model is written as lab statements (`emit`), with the script's comments before the statements
their commands made. Lines it cannot translate become comments citing `script.sh:LINE`, and
errors on stderr. The lab text goes through `present`, the one place it is laid out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePath

from nsgen.compiler.diagnostics import Diagnostic, Severity, sort_key
from nsgen.importer.emit import Emitter, Statement
from nsgen.importer.interpret import Interpreter
from nsgen.importer.model import Model
from nsgen.importer.report import Report, Untranslated
from nsgen.importer.shell import read_script


@dataclass
class ImportResult:
    """The lab text and the import's diagnostics (errors: lines it could not translate)."""

    text: str
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every line was translated (warnings allowed)."""
        return not any(d.is_error for d in self.diagnostics)


def import_script(text: str, file: str) -> ImportResult:
    """The lab file equivalent to the shell script `text`; `file` is how diagnostics name it."""
    model = Model()
    report = Report(file)
    interpreter = Interpreter(model, report)
    comments: dict[int, list[str]] = {}
    pending: list[str] = []
    after_look = False
    for line in read_script(text):
        if line.blank:
            after_look = False
            continue
        if not line.commands and line.comment is not None and not line.refused and not line.bookkeeping:
            _cited_router(model, line.comment)
            if not after_look:
                pending.append(line.comment)
            continue
        if line.bookkeeping:
            model.nsgen_made = True
            continue
        if line.refused is not None:
            code = {"control": "E321", "variable": "E322"}.get(line.refused.kind, "E324")
            end = len(line.text.rstrip()) + 1 if code != "E322" else _word_end(line.text, line.refused.column)
            report.refuse(code, line.refused.reason, report.span(line.number, line.refused.column, end), line.text,
                          _HINTS.get(code))
            comments.setdefault(line.number, []).extend(pending)
            pending = []
            continue
        changed = False
        interpreter.probe = False
        ovs_made = line.unless_ovs_bridge is not None and any(
            link.name == line.unless_ovs_bridge and link.netns is None and link.info.get("ovs")
            for link in model.links)
        for command in [] if ovs_made else line.commands:
            changed = interpreter.run(command, line.text) or changed
        if changed or interpreter.probe or any(u.line == line.number for u in report.untranslated):
            comments.setdefault(line.number, []).extend(pending + ([line.comment] if line.comment else []))
            pending = []
            after_look = interpreter.probe
        else:
            after_look = True
    covered = interpreter.fw.finish()
    del covered
    statements = Emitter(model, report).build()
    if model.nsgen_made:
        # a script nsgen wrote holds only nsgen's own comments (its header, `lab.ns:LINE` citations)
        comments, pending = {}, []
    lab = render(statements, comments, pending, report.untranslated, file)
    check_lab(lab, statements, report, _lab_name(file))
    diagnostics = sorted(report.diagnostics, key=sort_key)
    return ImportResult(present(lab, _lab_name(file)), diagnostics)


def check_lab(lab: str, statements: list[Statement], report: Report, name: str) -> None:
    """Compile the imported lab; each error becomes E327 at the script line its statement came from
    (a script whose commands the kernel takes may still make a lab nsgen refuses, e.g. a gateway
    on no subnet of the namespace)."""
    from nsgen.compiler import compile_source

    lines = lab.split("\n")
    for diagnostic in compile_source(lab, name).diagnostics:
        if not diagnostic.is_error:
            continue
        text = lines[diagnostic.span.line - 1] if 0 < diagnostic.span.line <= len(lines) else ""
        made = next((s for s in statements if s.text == text), None)
        line = min(made.lines) if made is not None and made.lines else 0
        report.diagnostics.append(Diagnostic(
            "E327", Severity.ERROR, f"the lab line `{text}` made from this is refused: "
            f"{diagnostic.code} {diagnostic.message}", report.span(line), diagnostic.hint))


_HINTS = {
    "E321": "write out the commands it runs, one per line; or run the script and import what it made: "
            "`nsgen import --live`",
    "E322": "give the variable its value in the script (NAME=value) before this line, or write the value itself",
    "E324": "nsgen import reads simple commands; rewrite the line as one",
}


def _word_end(text: str, column: int) -> int:
    """The column after the shell word starting at `column` (1-based), for a caret under it."""
    depth, index = 0, column - 1
    while index < len(text):
        ch = text[index]
        depth += ch == "("
        depth -= ch == ")"
        if depth <= 0 and (ch in " \t\"';" or (ch == ")" and depth == 0 and index > column - 1)):
            return index + 1 + (ch == ")")
        index += 1
    return len(text) + 1


def _cited_router(model: Model, comment: str) -> None:
    """nsgen's scripts cite the lab line of each command: `LAB.ns:N  router NS` before a namespace's
    ip_forward says it is a `router NS` of the lab, not only the forwarding its NAT turns on."""
    match = re.match(r"\S+\.ns:\d+\s+router (\S+)( deny)?$", comment.strip())
    if match:
        model.routers_cited.add(match.group(1))


def _lab_name(file: str) -> str:
    stem = PurePath(file).stem if file not in ("-", "<stdin>") else "import"
    return f"{stem}.ns"


def render(statements: list[Statement], comments: dict[int, list[str]], trailing: list[str],
           untranslated: list[Untranslated], file: str) -> str:
    """Lab text: each statement after the comments of the script lines that made it; the lines
    not translated at the end, each citing `script.sh:LINE` and why."""
    name = PurePath(file).name if file not in ("-",) else "<stdin>"
    out = [f"# Imported by `nsgen import` from {name}."]
    used: set[int] = set()
    for statement in statements:
        notes = [c for line in statement.lines if line not in used for c in comments.get(line, [])]
        used.update(statement.lines)
        if notes and out and out[-1] != "":
            out.append("")
        out.extend(_comment(note) for note in notes)
        out.append(statement.text)
    # comments of lines whose every effect a later command undid (the tutorial's first veth pair,
    # deleted before the bridge) have no statement left to stand by, and go with them
    if untranslated:
        out += ["", "# Not translated (nsgen import):"]
        for item in sorted(untranslated, key=lambda u: u.line):
            out.extend(_comment(note) for note in comments.get(item.line, []))
            out.append(f"# {name}:{item.line}: {item.text}")
            out.append(f"#   {item.reason}")
    leftover = trailing
    if leftover:
        out.append("")
        out.extend(_comment(note) for note in leftover)
    return "\n".join(out) + "\n"


def _comment(text: str) -> str:
    return f"# {text}" if text else "#"


def present(text: str, filename: str) -> str:
    """The one place import's lab text is laid out: `nsgen fmt`'s printer
    (`nsgen.compiler.fmt.format_source`); the text as the emitter wrote it (one statement per line,
    in declaration order) if fmt cannot read it."""
    from nsgen.compiler.fmt import format_source

    formatted, _diagnostics = format_source(text, filename)
    return formatted if formatted is not None else text
