"""A 12345 hotline centre that speaks our published messages (docs/hotline-12345.md): for the demo and
the tests, and as a worked example for a real centre's integrator.

It sends 派单 and decisions to POST /api/v1/hotline/messages/ (signed with the shared webhook secret), and runs a
small HTTP receiver for our pushes (签收, 延期申请, 退单申请, 合并办理, 办结), checking each signature.
`answer()` works through the pushes received so far by a `Policy`: 延期 approved or not, 退单 approved
or not, and a 回访 result per 办结 (不满意 with a 重办 order when the policy says so). Set `down = True`
and the receiver answers 503, as a centre that is unreachable.
"""

import hashlib
import hmac
import itertools
import json
import threading
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MESSAGES_PATH = "/api/v1/hotline/messages/"


@dataclass
class Policy:
    approve_extension: bool = True
    approve_return: bool = False
    return_counted: bool = True
    # One 回访 result per 办结, in turn (the last one repeats).
    satisfaction: list[str] = field(default_factory=lambda: ["satisfied"])
    reopen_unsatisfied: bool = True


def signature(secret: str, data: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


class HotlineCentre:
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        secret: str | None = None,
        channel: str = "12345",
        policy: Policy | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        # The shared webhook secret: signs our messages and checks the platform's pushes. A client
        # created with a chosen key keeps that key as its secret, hence the default.
        self.secret = secret or api_key
        self.channel = channel
        self.policy = policy or Policy()
        self.down = False
        self.received: list[dict] = []  # our pushes, first copies only, in arrival order
        self.deliveries = 0  # every POST that reached the receiver, repeats included
        self.bad_signatures = 0
        self.sent: list[tuple[dict, int, dict]] = []  # (message, status, answer)
        self._seen: set[str] = set()
        self._todo: deque[dict] = deque()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------ sending

    def next_id(self, prefix: str = "M") -> str:
        return f"{prefix}{next(self._ids):06d}-{id(self) % 10000}"

    def send(self, kind: str, *, message_id: str | None = None, **fields) -> tuple[int, dict]:
        message = {"message_id": message_id or self.next_id(), "kind": kind, **fields}
        data = json.dumps(message, ensure_ascii=False).encode()
        request = urllib.request.Request(
            self.base_url + MESSAGES_PATH,
            data=data,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "X-Api-Key": self.api_key,
                "X-Hotline-Signature": signature(self.secret, data),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our own server
                status, answer = response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            status, answer = exc.code, json.loads(exc.read() or b"{}")
        self.sent.append((message, status, answer))
        return status, answer

    def dispatch(self, ticket: dict, **kw) -> tuple[int, dict]:
        """派单: a ticket (the fields of POST /api/v1/hotline/tickets/)."""
        return self.send("dispatch", ticket={"channel": self.channel, **ticket}, **kw)

    # ------------------------------------------------------------ answering by the policy

    def answer(self) -> list[tuple[dict, int, dict]]:
        """Answer every push received since the last call; returns what was sent."""
        answered = []
        while True:
            with self._lock:
                if not self._todo:
                    return answered
                push = self._todo.popleft()
            for kind, fields in self._replies(push):
                status, body = self.send(kind, ticket_no=push["ticket_no"], **fields)
                answered.append((kind, status, body))

    def _replies(self, push: dict):
        kind, p = push["kind"], self.policy
        if kind == "extension_request":
            yield "extension_decision", {"approved": p.approve_extension}
        elif kind == "return_request":
            fields = {"approved": p.approve_return}
            if p.approve_return:
                fields["counted"] = p.return_counted
            yield "return_decision", fields
        elif kind == "closed" and not push.get("merged_into"):
            satisfaction = self._next_satisfaction()
            reopen = satisfaction == "unsatisfied" and p.reopen_unsatisfied
            yield "callback", {"satisfaction": satisfaction, "reopen": reopen, "note": "回访记录（模拟）"}

    def _next_satisfaction(self) -> str:
        queue = self.policy.satisfaction
        return queue.pop(0) if len(queue) > 1 else queue[0]

    # ------------------------------------------------------------ receiving our pushes

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Start the receiver in a thread; returns its URL (the webhook to configure)."""
        centre = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                centre.deliveries += 1
                if centre.down:
                    self.send_response(503)
                    self.end_headers()
                    return
                if not hmac.compare_digest(
                    signature(centre.secret, data), self.headers.get("X-CityOps-Signature", "")
                ):
                    centre.bad_signatures += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                centre._receive(json.loads(data))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer((host, port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://{host}:{self._server.server_address[1]}/push"

    def _receive(self, push: dict) -> None:
        with self._lock:
            if push.get("message_id") in self._seen:  # a repeat of a push we have: ignored
                return
            self._seen.add(push.get("message_id"))
            self.received.append(push)
            self._todo.append(push)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def pushes(self, ticket_no: str | None = None) -> list[tuple[str, str]]:
        return [
            (p["ticket_no"], p["kind"])
            for p in self.received
            if ticket_no is None or p["ticket_no"] == ticket_no
        ]
