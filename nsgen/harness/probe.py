"""Tiny TCP/UDP listener and client that `nsgen test` runs inside sandbox namespaces.

Run by file path with only the standard library (`python -I probe.py ...`), so it needs no
installed package inside the sandbox.

    probe.py serve tcp|udp PORT TOKEN   answer every peer with TOKEN, print `peer ADDRESS`
    probe.py connect tcp|udp ADDRESS PORT SECONDS   try for SECONDS, print what came back

The listener ends itself after `_SERVE_LIMIT` seconds in case nobody stops it.
"""

from __future__ import annotations

import signal
import socket
import sys
import time

_SERVE_LIMIT = 60
_ATTEMPT_TIMEOUT = 1.0


def serve(protocol: str, port: int, token: str) -> None:
    """Listen on PORT of every address, IPv4 and IPv6 (IPv4 alone where the kernel has no IPv6);
    reply TOKEN to each peer and print its address (an IPv4 peer as IPv4), flushed."""
    signal.alarm(_SERVE_LIMIT)
    kind = socket.SOCK_STREAM if protocol == "tcp" else socket.SOCK_DGRAM
    with _server_socket(kind) as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("::" if server.family == socket.AF_INET6 else "0.0.0.0", port))
        if protocol == "tcp":
            server.listen(16)
        print("ready", flush=True)
        while True:
            if protocol == "tcp":
                connection, peer = server.accept()
                print(f"peer {_shown(peer[0])}", flush=True)
                with connection:
                    connection.sendall(token.encode())
            else:
                _, peer = server.recvfrom(2048)
                print(f"peer {_shown(peer[0])}", flush=True)
                server.sendto(token.encode(), peer)


def _server_socket(kind: int) -> socket.socket:
    """A dual-stack socket (IPv6, taking IPv4 too), or an IPv4 one where the kernel has no IPv6."""
    try:
        server = socket.socket(socket.AF_INET6, kind)
    except OSError:
        return socket.socket(socket.AF_INET, kind)
    server.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    return server


def _shown(address: str) -> str:
    """A peer's address as the lab writes it: an IPv4 peer of a dual-stack socket (::ffff:a.b.c.d) as a.b.c.d."""
    return address.removeprefix("::ffff:") if address.startswith("::ffff:") and "." in address else address


def attempt(protocol: str, address: str, port: int) -> str:
    """One try: connect (TCP) or send a datagram (UDP) and return what the listener answered."""
    kind = socket.SOCK_STREAM if protocol == "tcp" else socket.SOCK_DGRAM
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, kind) as client:
        client.settimeout(_ATTEMPT_TIMEOUT)
        client.connect((address, port))
        if protocol == "udp":
            client.send(b"nsgen")
        return client.recv(256).decode(errors="replace")


def connect(protocol: str, address: str, port: int, seconds: float) -> None:
    """Try until an answer comes back or SECONDS pass; print the answer, or the last error."""
    deadline = time.monotonic() + seconds
    last = "no attempt"
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            answer = attempt(protocol, address, port)
        except OSError as error:
            last = f"{type(error).__name__}: {error}"
        else:
            if answer:
                print(f"answer {answer}", flush=True)
                return
            last = "empty answer"
        # Refusals come back at once; pace those tries instead of spinning.
        time.sleep(max(0.0, 0.1 - (time.monotonic() - started)))
    print(f"error {last}", flush=True)


def main(argv: list[str]) -> int:
    """Command line: `serve PROTO PORT TOKEN` or `connect PROTO ADDRESS PORT SECONDS`."""
    if len(argv) == 4 and argv[0] == "serve":
        serve(argv[1], int(argv[2]), argv[3])
        return 0
    if len(argv) == 5 and argv[0] == "connect":
        connect(argv[1], argv[2], int(argv[3]), float(argv[4]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
