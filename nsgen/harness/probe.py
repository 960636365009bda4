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
    """Listen on 0.0.0.0:PORT; reply TOKEN to each peer and print its address, flushed."""
    signal.alarm(_SERVE_LIMIT)
    kind = socket.SOCK_STREAM if protocol == "tcp" else socket.SOCK_DGRAM
    with socket.socket(socket.AF_INET, kind) as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("0.0.0.0", port))
        if protocol == "tcp":
            server.listen(16)
        print("ready", flush=True)
        while True:
            if protocol == "tcp":
                connection, peer = server.accept()
                print(f"peer {peer[0]}", flush=True)
                with connection:
                    connection.sendall(token.encode())
            else:
                _, peer = server.recvfrom(2048)
                print(f"peer {peer[0]}", flush=True)
                server.sendto(token.encode(), peer)


def attempt(protocol: str, address: str, port: int) -> str:
    """One try: connect (TCP) or send a datagram (UDP) and return what the listener answered."""
    kind = socket.SOCK_STREAM if protocol == "tcp" else socket.SOCK_DGRAM
    with socket.socket(socket.AF_INET, kind) as client:
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
