"""A webhook receiver for tests, on loopback: it checks every delivery's signature
with the `standardwebhooks` library, keeps what it verified, and can be told what to
answer or be stopped and started again on the same port."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class Receiver:
    def __init__(self, secret=None):
        self.secret = secret
        self.answer = 200
        self.received = []  # verified payloads, in arrival order
        self.refused = []  # (headers, reason) of deliveries that did not verify
        self.port = 0
        self.server = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hooks/icp"

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = dict(self.headers.items())
                status = receiver.answer
                try:
                    payload = Webhook(receiver.secret).verify(body, headers)
                except WebhookVerificationError as exc:
                    receiver.refused.append((headers, str(exc)))
                    status = 400
                else:
                    if status < 300:
                        receiver.received.append(
                            {**payload, "webhook-id": headers["webhook-id"]}
                        )
                answer = json.dumps({"status": status}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def in_order(self):
        """What arrived, each filing's events by their sequence (as the manual
        tells a receiver to order them)."""
        return sorted(
            self.received, key=lambda p: (p["data"]["filing"], p["data"]["sequence"])
        )
