"""The example nginx configuration keeps the SMS receipt secret out of its logs: the
access log writes "[secret]" in its place, and the error log, which writes a failed
request's line as it came, hears nothing of the receipt address. Run with the
configuration's own map, log format and receipt location, against a node that is
down (the rehearsal meets the same by chance, during its rolling restart)."""

import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET = "rehearsal-receipt-secret-rrrrrrrrrrrrrrrr"

pytestmark = pytest.mark.skipif(
    not shutil.which("nginx"), reason="needs nginx (make rehearsal installs it)"
)


def block(site, head):
    """The whole `head { … }` block of the configuration (braces balanced)."""
    start = site.index(head)
    depth = 0
    for index in range(site.index("{", start), len(site)):
        depth += {"{": 1, "}": -1}.get(site[index], 0)
        if depth == 0:
            return site[start : index + 1]
    raise AssertionError(f"{head} is not closed")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def post(url):
    try:
        urllib.request.urlopen(urllib.request.Request(url, b"[]", method="POST"))
    except urllib.error.HTTPError as answer:
        return answer.code
    return 200


def test_no_log_holds_the_receipt_secret(tmp_path):
    site = (ROOT / "docs" / "deploy" / "nginx.conf").read_text()
    logs = tmp_path / "logs"
    logs.mkdir()
    mapping = block(site, "map $request $logged_request")
    log_format = re.search(r"log_format icpportal .*?;\n", site, re.S).group(0)
    receipts = block(site, "location /sms/receipts/").replace(
        "/var/log/nginx/", f"{logs}/"
    )
    port, dead = free_port(), free_port()  # nothing listens on `dead`
    temp = "".join(
        f"{kind}_temp_path {tmp_path}/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp_path / "nginx.conf").write_text(f"""pid {tmp_path}/nginx.pid;
error_log {logs}/main.error.log warn;
events {{ worker_connections 64; }}
http {{
{temp}
{mapping}
{log_format}
upstream icpportal_web {{ server 127.0.0.1:{dead}; }}
server {{
    listen 127.0.0.1:{port};
    access_log {logs}/icpportal.access.log icpportal;
    error_log {logs}/icpportal.error.log warn;
    {receipts}
    location / {{ proxy_pass http://icpportal_web; }}
}}
}}
""")
    config = ["nginx", "-c", str(tmp_path / "nginx.conf"), "-e", str(logs / "e.log")]
    subprocess.run(config, check=True, capture_output=True)
    try:
        assert post(f"http://127.0.0.1:{port}/sms/receipts/aliyun/{SECRET}/") == 502
        assert post(f"http://127.0.0.1:{port}/elsewhere/") == 502
        time.sleep(0.3)  # the logs are written as the answer goes
    finally:
        subprocess.run([*config, "-s", "stop"], capture_output=True)
    written = {path.name: path.read_text() for path in logs.iterdir()}
    assert "/sms/receipts/aliyun/[secret]/" in written["icpportal.access.log"]
    assert "/elsewhere/" in written["icpportal.error.log"]  # the error log works
    assert [name for name, text in written.items() if SECRET in text] == []
