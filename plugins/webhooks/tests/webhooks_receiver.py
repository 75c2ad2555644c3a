"""A real HTTP receiver on loopback for the tests: records what arrives, answers as told.

It runs in a thread of its own (``http.server``), so it serves async tests, the browser
tests and a separate sshgate process alike.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import ssl
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    host: str = "127.0.0.1"
    port: int = 0
    received: list[Received] = field(default_factory=list)
    # Statuses to answer, in order; then ``status``. A 3xx answers with ``location``.
    script: deque[int] = field(default_factory=deque)
    status: int = 200
    location: str = ""
    # Seconds each answer takes: deliveries overlap, as with a slow receiver.
    delay: float = 0.0
    # Delivery ids arriving while a request with the same id was still being answered.
    overlaps: list[str] = field(default_factory=list)
    # Serve https:// with this context (its certificate) instead of http://.
    tls: ssl.SSLContext | None = None
    server: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    active: set[str] = field(default_factory=set)

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self.host}:{self.port}/hook"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                delivery = self.headers.get("X-Sshgate-Delivery", "")
                with receiver.lock:
                    if delivery in receiver.active:
                        receiver.overlaps.append(delivery)
                    receiver.active.add(delivery)
                    receiver.received.append(Received(self.path, dict(self.headers), body))
                    status = receiver.script.popleft() if receiver.script else receiver.status
                if receiver.delay:
                    time.sleep(receiver.delay)  # a thread of the test server, not the loop
                with receiver.lock:
                    receiver.active.discard(delivery)
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", receiver.location)
                answer = b"ok " + b"x" * 5000  # longer than the prefix the log keeps
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((self.host, self.port), Handler)
        if self.tls is not None:
            self.server.socket = self.tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def deliveries(self) -> list[dict[str, Any]]:
        return [r.json() for r in self.received]

    def ids(self) -> list[str]:
        with self.lock:
            return [r.headers["X-Sshgate-Delivery"] for r in self.received]


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The receiver's side, written from the README and independent of the plugin."""
    lowered = {k.lower(): v for k, v in headers.items()}
    timestamp = lowered["x-sshgate-timestamp"]
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest("v1=" + expected, lowered["x-sshgate-signature"])


async def create_webhook(admin_client: Any, url: str, **fields: Any) -> dict[str, Any]:
    """``POST api/webhooks``; the webhook and its secret."""
    body = {"url": url, "events": ["*"], **fields}
    created = await admin_client.post("/api/webhooks", json=body)
    assert created.status_code == 201, await created.get_json()
    answer: dict[str, Any] = await created.get_json()
    return answer


async def deliveries(admin_client: Any, webhook_id: int, **query: str) -> list[dict[str, Any]]:
    listed = await admin_client.get(f"/api/webhooks/{webhook_id}/deliveries", query_string=query)
    assert listed.status_code == 200, await listed.get_json()
    found: list[dict[str, Any]] = (await listed.get_json())["deliveries"]
    return found
