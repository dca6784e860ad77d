"""The rehearsal's webhook receiver: an access provider's ICP console in miniature.

It checks every delivery's signature with the `standardwebhooks` library, as the
manual tells providers to (docs/api.md), keeps what it was sent, and can be taken down (it answers
503, then refuses connections) so the workers' retries are put to work.
"""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class WebhookReceiver:
    """`down` is None (answering), "503" (answering 503) or "closed" (stopped)."""

    def __init__(self, address, port):
        self.address, self.port = address, port
        self.secret = None
        self.delivered = []  # (webhook-id, event) of every signed delivery taken
        self.bodies = []
        self.refused = 0  # deliveries whose signature did not check
        self.answered_503 = 0
        self.lock = threading.Lock()
        self.server = None
        self.down = None

    @property
    def url(self):
        return f"http://{self.address}:{self.port}/icp-console/webhooks"

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if receiver.down == "503":
                    with receiver.lock:
                        receiver.answered_503 += 1
                    self._answer(503)
                    return
                try:
                    event = Webhook(receiver.secret).verify(body, dict(self.headers))
                except (WebhookVerificationError, TypeError, ValueError):
                    with receiver.lock:
                        receiver.refused += 1
                    self._answer(400)
                    return
                with receiver.lock:
                    receiver.delivered.append((self.headers["webhook-id"], event))
                    receiver.bodies.append(body.decode())
                self._answer(204)

            def _answer(self, status):
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((self.address, self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.down = None
        return self

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def close(self):
        """Refuse connections for a while (the receiver's host is down)."""
        self.down = "closed"
        self.stop()

    def events(self):
        """The events taken, by id (a redelivery of one event counts once)."""
        with self.lock:
            return dict(self.delivered)

    def text(self):
        with self.lock:
            return "\n".join(self.bodies)

    def duplicates(self):
        with self.lock:
            return len(self.delivered) - len({i for i, _ in self.delivered})


def filing_states(events):
    """What a receiver rebuilds from the events: each filing's latest status (the
    event with the highest sequence wins, whatever order they came in)."""
    latest = {}
    for event in events:
        data = event["data"]
        key = data["filing"]
        if key not in latest or data["sequence"] > latest[key][0]:
            latest[key] = (data["sequence"], data.get("status"))
    return {filing: status for filing, (_, status) in latest.items()}
