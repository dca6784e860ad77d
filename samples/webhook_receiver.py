"""A provider's webhook receiver, for the sandbox's quickstart (docs/sandbox.md): it
checks each event's Standard Webhooks signature, drops a repeat (the same
`webhook-id`), checks that each filing's events come in order (`sequence`), prints
them, and stops once a filing is approved or rejected, or after --seconds. It exits
0 when one was, with every signature good and every event in order.

    python samples/webhook_receiver.py --port 8765 --secret whsec_...

It needs the `standardwebhooks` package (in requirements.txt).
"""

import argparse
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

DECIDED = {"filing.approved", "filing.rejected"}


class Receiver(BaseHTTPRequestHandler):
    webhook: Webhook
    seen: set[str] = set()
    last_sequence: dict[str, int] = {}
    problems: list[str] = []
    decided = threading.Event()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            event = self.webhook.verify(body, dict(self.headers))
        except WebhookVerificationError as exc:
            self.problems.append(f"bad signature: {exc}")
            self.send_response(400)
            self.end_headers()
            return
        self.send_response(204)
        self.end_headers()
        if event["id"] in self.seen:
            return  # a retry of one already taken
        self.seen.add(event["id"])
        data = event["data"]
        filing, sequence = data["filing"], data["sequence"]
        if sequence != self.last_sequence.get(filing, 0) + 1:
            self.problems.append(f"{filing}: event {sequence} out of order")
        self.last_sequence[filing] = sequence
        mode = "live" if event.get("livemode") else "sandbox"
        print(f"{event['id']} {mode} {filing} #{sequence} {event['type']}", flush=True)
        if event["type"] in DECIDED:
            self.decided.set()

    def log_message(self, *args):
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--secret", required=True, help="the endpoint's whsec_ secret")
    parser.add_argument("--seconds", type=float, default=600)
    args = parser.parse_args()
    Receiver.webhook = Webhook(args.secret)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"Listening on http://127.0.0.1:{args.port}/", flush=True)
    decided = Receiver.decided.wait(args.seconds)
    server.shutdown()
    for problem in Receiver.problems:
        print(f"PROBLEM {problem}", file=sys.stderr)
    print(json.dumps({"decided": decided, "events": len(Receiver.seen)}), flush=True)
    return 0 if decided and not Receiver.problems else 1


if __name__ == "__main__":
    sys.exit(main())
