"""A small sticky reverse proxy in front of several Streamlit processes (``contexts serve
--workers N``).

Streamlit keeps a person's session (widget state, cached media, uploads in progress) in the
memory of the process that serves their websocket, and runs each session's script in that
process; one process uses at most about one core (the GIL). Several processes behind this
proxy use every core. Each browser is pinned to one process by a cookie
(``contexts_worker``) set on its first response; a browser without it goes to the process
with the fewest open connections. The proxy works on bytes: it reads a connection's first
request head to choose the process, then copies both ways (HTTP keep-alive and websockets
alike), so it needs nothing beyond asyncio.

A connection must send its first request head within ``head_timeout`` seconds (else 408 and
closed: slow heads cannot hold connections), and one client address holds at most
``per_client`` connections at a time (else 429 and closed); docs/security.md.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import Counter

log = logging.getLogger(__name__)

COOKIE = "contexts_worker"
_COOKIE_RE = re.compile(rb"(?im)^cookie:.*?\b" + COOKIE.encode() + rb"=(\d+)")
MAX_HEAD = 64 * 1024
#: seconds a connection has to send its first request head
HEAD_TIMEOUT = 10.0
#: connections one client address may hold at once (a browser opens a handful: page,
#: static files, the websocket)
PER_CLIENT = 64


class StickyProxy:
    """Proxy ``listen`` to ``backends`` (host, port), pinning browsers by cookie."""

    def __init__(self, backends: list[tuple[str, int]], connect_timeout: float = 30.0,
                 head_timeout: float = HEAD_TIMEOUT, per_client: int = PER_CLIENT) -> None:
        if not backends:
            raise ValueError("no backends")
        self.backends = backends
        self.live = [0] * len(backends)
        self.connect_timeout = connect_timeout
        self.head_timeout = head_timeout
        self.per_client = per_client
        #: open connections per client address
        self.clients: Counter[str] = Counter()
        self._next = 0

    def pick(self, head: bytes) -> tuple[int, bool]:
        """The backend for a request head, and whether the browser must be told (cookie)."""
        m = _COOKIE_RE.search(head)
        if m and int(m.group(1)) < len(self.backends):
            return int(m.group(1)), False
        least = min(self.live)
        ties = [i for i, n in enumerate(self.live) if n == least]
        choice = ties[self._next % len(ties)]
        self._next += 1
        return choice, True

    async def _open(self, idx: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """Connect to backend ``idx``, waiting while it starts (up to ``connect_timeout``)."""
        host, port = self.backends[idx]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.connect_timeout
        while True:
            try:
                return await asyncio.open_connection(host, port)
            except OSError:
                if loop.time() > deadline:
                    raise
                await asyncio.sleep(0.2)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        client = str(peer[0]) if isinstance(peer, tuple) and peer else "?"
        if self.clients[client] >= self.per_client:
            log.warning("refused a connection: %s holds %d", client, self.clients[client])
            await self._refuse(writer, b"429 Too Many Requests")
            return
        self.clients[client] += 1
        try:
            await self._serve(reader, writer)
        finally:
            self.clients[client] -= 1
            if self.clients[client] <= 0:
                del self.clients[client]

    @staticmethod
    async def _refuse(writer: asyncio.StreamWriter, status: bytes) -> None:
        try:
            writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\n"
                         b"Connection: close\r\n\r\n")
            await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self.head_timeout)
        except TimeoutError:
            await self._refuse(writer, b"408 Request Timeout")
            return
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        idx, tell = self.pick(head)
        try:
            b_reader, b_writer = await self._open(idx)
        except OSError:
            log.warning("worker %d at %s:%d does not answer", idx, *self.backends[idx])
            writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n"
                         b"Connection: close\r\n\r\n")
            await writer.drain()
            writer.close()
            return
        self.live[idx] += 1
        try:
            b_writer.write(head)
            cookie = (f"Set-Cookie: {COOKIE}={idx}; Path=/; HttpOnly; SameSite=Lax\r\n"
                      .encode() if tell else b"")
            await asyncio.gather(self._pipe(reader, b_writer),
                                 self._pipe(b_reader, writer, cookie),
                                 return_exceptions=True)
        finally:
            self.live[idx] -= 1
            for w in (writer, b_writer):
                w.close()

    @staticmethod
    async def _pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter,
                    cookie: bytes = b"") -> None:
        """Copy ``src`` to ``dst``; ``cookie``: a header line added to the first response."""
        try:
            if cookie:
                head = await src.readuntil(b"\r\n\r\n")
                first, _, rest = head.partition(b"\r\n")
                dst.write(first + b"\r\n" + cookie + rest)
            while data := await src.read(256 * 1024):
                dst.write(data)
                await dst.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            if dst.can_write_eof():
                try:
                    dst.write_eof()
                except OSError:
                    pass

    async def serve(self, host: str, port: int, ready: asyncio.Event | None = None) -> None:
        server = await asyncio.start_server(self.handle, host, port, limit=MAX_HEAD,
                                            reuse_address=True)
        log.info("proxy on %s:%d -> %s", host, port, self.backends)
        if ready is not None:
            ready.set()
        async with server:
            await server.serve_forever()
