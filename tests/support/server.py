"""A real uvicorn server of ``create_app`` on 127.0.0.1 (free port), in a background thread.

Used by the simulator's HTTP stream tests and the browser tests: server-sent events and a real
browser need a real socket, not the in-process TestClient.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, app, port: int):
        self.app = app
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    @property
    def runtime(self):
        return self.app.state.runtime

    def call(self, coro_fn, *args):
        """Run ``await coro_fn(*args)`` on the server's event loop (e.g. outbox.drain)."""
        import asyncio

        return asyncio.run_coroutine_threadsafe(coro_fn(*args), self.loop).result(timeout=30)


@contextmanager
def serve(app, *, startup_timeout: float = 20.0) -> Iterator[LiveServer]:
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=2,
        loop="asyncio",
    )
    server = uvicorn.Server(config)
    live = LiveServer(app, port)

    def run() -> None:
        import asyncio

        loop = asyncio.new_event_loop()
        live.loop = loop
        loop.run_until_complete(server.serve())

    thread = threading.Thread(target=run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield live
    finally:
        server.should_exit = True
        thread.join(timeout=15)
