"""A local stand-in for the 钉钉 and 企业微信 robot webhooks: checks what real robots check and keeps what
it received. `down = True` makes it answer 502 (a channel that is down)."""

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, secret: str = ""):
        self.secret = secret
        self.received: list[dict] = []
        self.refused: list[str] = []
        self.down = False
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if receiver.down:
                    self.send_response(502)
                    self.end_headers()
                    return
                answer = receiver.check(self.path, self.headers, body)
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def check(self, path: str, headers, body: bytes) -> dict:
        url = urllib.parse.urlsplit(path)
        query = urllib.parse.parse_qs(url.query)
        if headers.get("Content-Type", "").split(";")[0] != "application/json":
            return self.refuse("content type")
        if url.path.startswith("/robot/send"):  # 钉钉: access_token, timestamp, sign
            if "access_token" not in query:
                return self.refuse("no access_token")
            if self.secret:
                timestamp = query.get("timestamp", [""])[0]
                sign = query.get("sign", [""])[0]
                expected = base64.b64encode(
                    hmac.new(
                        self.secret.encode(), f"{timestamp}\n{self.secret}".encode(), hashlib.sha256
                    ).digest()
                ).decode()
                if sign != expected:
                    return self.refuse("sign mismatch")  # errcode 310000 in the real service
                if abs(time.time() * 1000 - int(timestamp)) > 3600 * 1000:
                    return self.refuse("timestamp too old")
        elif url.path.startswith("/cgi-bin/webhook/send"):  # 企业微信: key
            if "key" not in query:
                return self.refuse("no key")
        message = json.loads(body)
        if message.get("msgtype") != "markdown" or "markdown" not in message:
            return self.refuse("msgtype")
        self.received.append({"path": url.path, "query": query, "message": message})
        return {"errcode": 0, "errmsg": "ok"}

    def refuse(self, why: str) -> dict:
        self.refused.append(why)
        return {"errcode": 310000, "errmsg": why}

    def close(self):
        self.server.shutdown()
        self.server.server_close()
