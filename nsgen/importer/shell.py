"""Reading a shell script as nsgen import needs it: lines, comments, commands, words and redirects.

This is not a shell. It splits what tutorial scripts and runbooks write (simple commands joined
by `;`, `&&`, `||` or `|`, redirections, here-documents, continuation lines, `NAME=value`
assignments and `$NAME` expansions) and recognises the rest (loops, conditions, functions,
command substitutions, variables it cannot resolve) so the importer can refuse it by line.
Word splitting follows POSIX quoting, as `shlex` does in posix mode, with two things shlex
cannot say: where each word starts, and whether a digit is a file descriptor of a redirection
(`2>/dev/null`) or a word of its own (`echo 1 > /proc/...`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

OPERATORS = ("&&", "||", ";", "|", "&")
REDIRECTS = (">>", ">&", "&>", "<<<", "<<-", "<<", ">", "<")
COMPOUND_OPEN = {"for", "while", "until", "if", "case", "select"}
COMPOUND_CLOSE = {"done", "fi", "esac"}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.S)
_HEREDOC = re.compile(r"<<(-?)\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\2")
_FUNCTION = re.compile(r"^\s*(function\s+[A-Za-z_][\w-]*|[A-Za-z_][\w-]*\s*\(\s*\))")


class ShellError(Exception):
    """What the scanner cannot take: its reason and the column where it starts (1-based)."""

    def __init__(self, reason: str, column: int, kind: str = "syntax") -> None:
        super().__init__(reason)
        self.reason = reason
        self.column = column
        self.kind = kind


@dataclass
class Redirect:
    """`[FD]OP TARGET`: `fd` as written (None for the default), the operator and its target word."""

    fd: str | None
    op: str
    target: str


@dataclass
class Command:
    """One simple command: its words, redirections, where it starts, and the here-document it reads."""

    words: list[str]
    line: int
    column: int
    end_column: int
    redirects: list[Redirect] = field(default_factory=list)
    stdin: str | None = None
    pipe_to: Command | None = None
    """The next command of a pipeline (`echo 1 | tee FILE`)."""
    background: bool = False
    """Run in the background (`CMD &`)."""


@dataclass
class Line:
    """One logical line of the script: its commands, its comment, or why it cannot be read."""

    number: int
    text: str
    commands: list[Command] = field(default_factory=list)
    comment: str | None = None
    """The comment: the whole line's, or the trailing one after its commands."""
    blank: bool = False
    refused: ShellError | None = None
    bookkeeping: bool = False
    """nsgen's own record keeping or shell settings (a script nsgen wrote): no effect on the lab."""
    unless_ovs_bridge: str | None = None
    """Its commands run only when the script has no Open vSwitch bridge of this name by then
    (`if ! ovs-vsctl br-exists BR; then ...; fi`)."""
    last_line: int = 0
    """The last physical line it spans (continuations, here-documents, blocks)."""


@dataclass
class _Token:
    text: str
    column: int
    op: bool = False


def _expand(name: str, variables: dict[str, str], column: int) -> str:
    if name in variables:
        return variables[name]
    raise ShellError(f"the script's variable ${name} has no value nsgen can know here", column, "variable")


class _Scanner:
    """Splits one logical line into tokens, expanding `$NAME` from `variables`."""

    def __init__(self, text: str, variables: dict[str, str]) -> None:
        self.text = text
        self.variables = variables
        self.pos = 0
        self.tokens: list[_Token] = []
        self.comment: str | None = None

    def scan(self) -> list[_Token]:
        text = self.text
        while self.pos < len(text):
            ch = text[self.pos]
            if ch in " \t\r\n":
                self.pos += 1
            elif ch == "#":
                self.comment = text[self.pos + 1:].strip()
                break
            elif self._operator():
                continue
            else:
                self._word()
        return self.tokens

    def _operator(self) -> bool:
        text, start = self.text, self.pos
        for op in (*REDIRECTS, *OPERATORS):
            if text.startswith(op, start):
                self.tokens.append(_Token(op, start + 1, True))
                self.pos += len(op)
                return True
        if text[start] in "()":
            raise ShellError("a subshell or function (parentheses) is not a command nsgen can follow", start + 1,
                             "control")
        return False

    def _word(self) -> None:
        text, start = self.text, self.pos
        out: list[str] = []
        while self.pos < len(text):
            ch = text[self.pos]
            if ch in " \t\r\n;&|<>()":
                break
            if ch == "'":
                end = text.find("'", self.pos + 1)
                if end < 0:
                    raise ShellError("a quote that is never closed", self.pos + 1)
                out.append(text[self.pos + 1:end])
                self.pos = end + 1
            elif ch == '"':
                self.pos += 1
                out.append(self._double_quoted())
            elif ch == "\\":
                out.append(text[self.pos + 1:self.pos + 2])
                self.pos += 2
            elif ch == "$":
                out.append(self._dollar())
            elif ch == "`":
                raise ShellError("a command substitution (`...`) runs a command nsgen cannot know the output of",
                                 self.pos + 1, "variable")
            else:
                out.append(ch)
                self.pos += 1
        word = "".join(out)
        # `2>FILE`, `2>>FILE`: digits right before a redirection are its file descriptor
        if word.isdigit() and self.pos < len(text) and text[self.pos] in "<>":
            self.tokens.append(_Token(word, start + 1, True))
            return
        self.tokens.append(_Token(word, start + 1))

    def _double_quoted(self) -> str:
        text = self.text
        out: list[str] = []
        while self.pos < len(text):
            ch = text[self.pos]
            if ch == '"':
                self.pos += 1
                return "".join(out)
            if ch == "\\" and text[self.pos + 1:self.pos + 2] in ('"', "\\", "$", "`"):
                out.append(text[self.pos + 1])
                self.pos += 2
            elif ch == "$":
                out.append(self._dollar())
            elif ch == "`":
                raise ShellError("a command substitution (`...`) runs a command nsgen cannot know the output of",
                                 self.pos + 1, "variable")
            else:
                out.append(ch)
                self.pos += 1
        raise ShellError("a quote that is never closed", self.pos)

    def _dollar(self) -> str:
        text, start = self.text, self.pos
        rest = text[start + 1:]
        if rest.startswith("("):
            raise ShellError("a command substitution $(...) runs a command nsgen cannot know the output of",
                             start + 1, "variable")
        if rest.startswith("{"):
            end = text.find("}", start)
            if end < 0:
                raise ShellError("${ without its }", start + 1)
            inner = text[start + 2:end]
            self.pos = end + 1
            if not _NAME.fullmatch(inner):
                raise ShellError(f"the expansion ${{{inner}}} is more than a variable's value", start + 1, "variable")
            return _expand(inner, self.variables, start + 1)
        match = _NAME.match(rest)
        if match:
            self.pos = start + 1 + match.end()
            return _expand(match.group(), self.variables, start + 1)
        if rest[:1] and (rest[0].isdigit() or rest[0] in "@*#?$!-"):
            raise ShellError(f"${rest[0]} (a script argument or special parameter) has no value nsgen can know",
                             start + 1, "variable")
        self.pos += 1
        return "$"


def _commands(tokens: list[_Token], number: int, end_column: int) -> list[Command]:
    """Simple commands from tokens: split at `;`, `&&`, `&`; after `||` the rest is a fallback
    that runs only when the command before fails, and is left out; `|` links a pipeline."""
    commands: list[Command] = []
    current: list[_Token] = []
    piped: Command | None = None
    skipping = False

    def finish(upto: int) -> Command | None:
        nonlocal current
        if not current:
            return None
        command = _command(current, number, upto)
        current = []
        return command

    for token in tokens:
        if token.op and token.text in (";", "&&", "&"):
            done = finish(token.column - 1)
            if done is not None and token.text == "&":
                done.background = True
            if done is not None and not skipping:
                if piped is not None:
                    piped.pipe_to = done
                else:
                    commands.append(done)
            piped, skipping = None, False
        elif token.op and token.text == "||":
            done = finish(token.column - 1)
            if done is not None and not skipping:
                if piped is not None:
                    piped.pipe_to = done
                else:
                    commands.append(done)
            piped, skipping = None, True
        elif token.op and token.text == "|":
            done = finish(token.column - 1)
            if done is not None and not skipping:
                if piped is not None:
                    piped.pipe_to = done
                else:
                    commands.append(done)
                piped = done
        else:
            current.append(token)
    done = finish(end_column)
    if done is not None and not skipping:
        if piped is not None:
            piped.pipe_to = done
        else:
            commands.append(done)
    return commands


def _command(tokens: list[_Token], number: int, end_column: int) -> Command:
    words: list[str] = []
    redirects: list[Redirect] = []
    index = 0
    fd: str | None = None
    while index < len(tokens):
        token = tokens[index]
        if token.op and token.text.isdigit():
            fd = token.text
        elif token.op:
            target = tokens[index + 1].text if index + 1 < len(tokens) and not tokens[index + 1].op else ""
            redirects.append(Redirect(fd, token.text, target))
            fd = None
            index += 1
        else:
            words.append(token.text)
        index += 1
    return Command(words, number, tokens[0].column, max(end_column + 1, tokens[0].column + 1), redirects)


def _block_depth(text: str) -> int:
    """How many compound commands a line opens minus how many it closes (by their keywords)."""
    depth = 0
    for word in re.split(r"[\s;&|]+", re.sub(r"#.*", "", text)):
        if word in COMPOUND_OPEN:
            depth += 1
        elif word in COMPOUND_CLOSE:
            depth -= 1
        elif word == "{":
            depth += 1
        elif word == "}":
            depth -= 1
    return depth


def _first_word(text: str) -> str:
    stripped = text.strip()
    return re.split(r"[\s;]+", stripped, maxsplit=1)[0] if stripped else ""


def read_script(text: str) -> list[Line]:
    """The script's logical lines in order, each with its commands (or why it is refused)."""
    physical = text.split("\n")
    lines: list[Line] = []
    variables: dict[str, str] = {}
    index = 0
    while index < len(physical):
        number = index + 1
        raw = physical[index].rstrip("\r")
        index += 1
        if not raw.strip():
            lines.append(Line(number, raw, blank=True, last_line=number))
            continue
        if raw.lstrip().startswith("#"):
            if number == 1 and raw.startswith("#!"):
                continue
            lines.append(Line(number, raw, comment=raw.lstrip()[1:].strip(), last_line=number))
            continue
        # continuation lines
        while raw.endswith("\\") and (len(raw) - len(raw.rstrip("\\"))) % 2 == 1 and index < len(physical):
            raw = raw[:-1] + " " + physical[index].rstrip("\r").lstrip()
            index += 1
        line = Line(number, raw, last_line=index)
        heredoc = _HEREDOC.search(raw)
        stdin: str | None = None
        if heredoc:
            body: list[str] = []
            delimiter, strip_tabs = heredoc.group(3), heredoc.group(1) == "-"
            while index < len(physical):
                body_line = physical[index].rstrip("\r")
                index += 1
                if (body_line.lstrip("\t") if strip_tabs else body_line) == delimiter:
                    break
                body.append(body_line.lstrip("\t") if strip_tabs else body_line)
            stdin = "\n".join(body) + "\n"
            line.last_line = index
        first = _first_word(raw)
        if first == "echo" and "$!" in raw and ">/run/nsgen/" in raw.replace(" ", ""):
            line.bookkeeping = True  # the pid file of a `run` process, in nsgen's record
            lines.append(line)
            continue
        if first == "if" and _ovs_condition(raw, line, variables):
            lines.append(line)
            continue
        if first in ("if", "[", "test") and ("/run/nsgen/" in raw or "BASH_VERSION" in raw):
            line.bookkeeping = True
            lines.append(line)
            continue
        depth = _block_depth(raw)
        if first in COMPOUND_OPEN or _FUNCTION.match(raw) or first == "{":
            while depth > 0 and index < len(physical):
                depth += _block_depth(physical[index])
                index += 1
            line.last_line = index
            kind = {"for": "a loop", "while": "a loop", "until": "a loop", "select": "a loop",
                    "if": "a condition", "case": "a condition"}.get(first, "a function or block")
            line.refused = ShellError(f"{kind} ({first} ...): nsgen import follows straight-line commands only",
                                      len(raw) - len(raw.lstrip()) + 1, "control")
            lines.append(line)
            continue
        try:
            scanner = _Scanner(raw, variables)
            tokens = scanner.scan()
            line.comment = scanner.comment
            commands = _commands(tokens, number, len(raw.rstrip()))
        except ShellError as error:
            line.refused = error
            lines.append(line)
            continue
        if stdin is not None:
            for command in commands:
                if any(r.op in ("<<", "<<-") for r in command.redirects):
                    command.stdin = stdin
        kept = []
        for command in commands:
            assignment = _assignment(command)
            if assignment is not None:
                variables[assignment[0]] = assignment[1]
            else:
                kept.append(command)
        line.commands = kept
        lines.append(line)
    return lines


_OVS_DATAPATH = re.compile(r"if \[ -d /sys/module/openvswitch \]; then (\w+)=system; else \1=netdev; fi\s*(#.*)?")
_OVS_UNLESS_BRIDGE = re.compile(r"if ! (ovs-vsctl(?: --timeout[= ]\d+)? br-exists (\S+)); then (.+); fi\s*(#.*)?")
_OVS_IF_NETDEV = re.compile(r"if \[ \"\$\(ovs-vsctl(?: --timeout[= ]\d+)? get bridge \S+ datapath_type\)\" = "
                            r"netdev \]; then ((?:ip netns exec \S+ )?ethtool -K \S+ tx off(?: >/dev/null)?); "
                            r"fi\s*(#.*)?")


def _ovs_condition(raw: str, line: Line, variables: dict[str, str]) -> bool:
    """The conditions nsgen's Open vSwitch setup writes, whose answers import knows, and nothing else:
    the datapath's choice (`if [ -d /sys/module/openvswitch ]; then V=system; else V=netdev; fi`: the
    lab picks it itself, so V is taken as `system`), a bridge made unless it is there (`if !
    ovs-vsctl br-exists BR; then ...; fi`: its commands, run when the script has no Open vSwitch
    bridge BR by then, `Line.unless_ovs_bridge`), and checksum offload turned off on the userspace
    datapath (`... datapath_type)" = netdev ]; then ethtool -K IF tx off; fi`: ethtool changes
    nothing a lab says). True when the line is one of them (`line` then holds what it does)."""
    text = raw.strip()
    indent = len(raw) - len(raw.lstrip())
    match = _OVS_DATAPATH.fullmatch(text)
    if match:
        variables[match.group(1)] = "system"
        line.bookkeeping = True
        return True
    match = _OVS_UNLESS_BRIDGE.fullmatch(text) or _OVS_IF_NETDEV.fullmatch(text)
    if not match:
        return False
    body_group = 3 if match.re is _OVS_UNLESS_BRIDGE else 1
    start = indent + match.start(body_group)
    try:
        scanner = _Scanner(" " * start + match.group(body_group), variables)
        tokens = scanner.scan()
        line.commands = _commands(tokens, line.number, start + len(match.group(body_group)))
    except ShellError as error:
        line.refused = error
        return True
    trailing = match.groups()[-1]
    line.comment = trailing[1:].strip() if trailing else None
    if match.re is _OVS_UNLESS_BRIDGE:
        line.unless_ovs_bridge = match.group(2)
    return True


def _assignment(command: Command) -> tuple[str, str] | None:
    """`NAME=value` (or `export NAME=value`) alone: a variable for later lines."""
    words = command.words[1:] if command.words[:1] in (["export"], ["readonly"], ["local"]) else command.words
    if len(words) == 1 and not command.redirects:
        match = _ASSIGNMENT.match(words[0])
        if match:
            return match.group(1), match.group(2)
    return None
