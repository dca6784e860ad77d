"""`make rehearsal`: the documented production topology, stood up on this machine,
run through faults under load, then reconciled.

nginx (docs/deploy/nginx.conf, a throwaway self-signed certificate) -> two gunicorn
web nodes -> PostgreSQL and Redis of the rehearsal's own (so the machine's are never
touched); two db_workers; the deadline sweep. The nodes are hosts of their own in
network namespaces joined by veth pairs to a bridge; without namespaces (not root, no
`ip netns`) everything runs on loopback addresses instead, and the output says so.
Clients on several addresses run applicant journeys through nginx while the script
kills a node, kills a worker mid-send, takes the provider's webhook receiver down,
stops Redis, restarts PostgreSQL, restarts both nodes one after the other, and takes a
pg_dump that it restores and verifies on. The table at the end reconciles requests,
codes, texts, attempts, audit events and the provider's webhooks (every event
delivered signed, the event feed complete); the exit status is 1 when an invariant
breaks.
"""

import argparse
import contextlib
import http.client
import http.cookies
import json
import os
import queue
import random
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from pathlib import Path

import psycopg
from stdnum.cn import ric

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rehearsal.receipts import STRANGER, ReceiptPusher  # noqa: E402
from rehearsal.receiver import WebhookReceiver, filing_states  # noqa: E402

PYTHON = sys.executable
BIN = Path(PYTHON).parent
HOSTNAME = "icp.rehearsal.test"
PG_PORT, REDIS_PORT, WEB_PORT, HTTPS_PORT, HTTP_PORT, DRILL_PORT, HOOK_PORT = (
    55432,
    56379,
    8000,
    8443,
    8080,
    8010,
    8020,
)
RESEND_LIMIT = 20
RECEIPT_SECRET = "rehearsal-receipt-secret-" + "r" * 16
STARTED = time.monotonic()


def log(message):
    print(f"[{time.monotonic() - STARTED:6.1f}s] {message}", flush=True)


def run(command, **kwargs):
    kwargs.setdefault("check", True)
    return subprocess.run(command, **kwargs)


# -- the hosts -------------------------------------------------------------------


class Network:
    """Addresses for each host; network namespaces for the web nodes when possible."""

    BRIDGE = "icpr0"
    NODES = {"web1": ("icpr-web1", 11), "web2": ("icpr-web2", 12)}

    def __init__(self, use_namespaces):
        self.asked_for_loopback = not use_namespaces
        self.namespaces = use_namespaces and self._namespaces_work()
        base = "10.78.0" if self.namespaces else "127.0.0"
        self.infra = f"{base}.1"  # proxy, PostgreSQL, Redis, the sweep
        self.nodes = {name: f"{base}.{n}" for name, (_, n) in self.NODES.items()}
        self.clients = [f"{base}.{n}" for n in range(101, 111)]

    @staticmethod
    def _namespaces_work():
        if os.geteuid() != 0 or not shutil.which("ip"):
            return False
        probe = "icpr-probe"
        ok = run(["ip", "netns", "add", probe], check=False, capture_output=True)
        if ok.returncode != 0:
            return False
        run(["ip", "netns", "del", probe], check=False)
        return True

    def up(self):
        if not self.namespaces:
            why = (
                "asked for with --loopback"
                if self.asked_for_loopback
                else "no namespaces here: they need root and `ip netns`"
            )
            log(f"Network: every host is a loopback address of this machine ({why})")
            return
        self.down()
        ip = ["ip"]
        run([*ip, "link", "add", self.BRIDGE, "type", "bridge"])
        run([*ip, "addr", "add", f"{self.infra}/24", "dev", self.BRIDGE])
        run([*ip, "link", "set", self.BRIDGE, "up"])
        for name, (namespace, n) in self.NODES.items():
            run([*ip, "netns", "add", namespace])
            run(
                [
                    *ip,
                    "link",
                    "add",
                    f"icpr-h{n}",
                    "type",
                    "veth",
                    "peer",
                    "name",
                    f"icpr-n{n}",
                ]
            )
            run([*ip, "link", "set", f"icpr-n{n}", "netns", namespace])
            run([*ip, "link", "set", f"icpr-h{n}", "master", self.BRIDGE, "up"])
            inside = [*ip, "netns", "exec", namespace, "ip"]
            run([*inside, "addr", "add", f"{self.nodes[name]}/24", "dev", f"icpr-n{n}"])
            run([*inside, "link", "set", f"icpr-n{n}", "up"])
            run([*inside, "link", "set", "lo", "up"])
        for address in self.clients:
            run([*ip, "addr", "add", f"{address}/24", "dev", self.BRIDGE])
        log(
            f"Network: bridge {self.BRIDGE} {self.infra}/24; web1 {self.nodes['web1']} and "
            f"web2 {self.nodes['web2']} in namespaces; clients {self.clients[0]}-"
            f"{self.clients[-1].rsplit('.', 1)[1]}"
        )

    def down(self):
        if not self.namespaces:
            return
        for namespace, _ in self.NODES.values():
            run(["ip", "netns", "del", namespace], check=False, capture_output=True)
        run(["ip", "link", "del", self.BRIDGE], check=False, capture_output=True)

    def on(self, node):
        """The command prefix that runs a process on `node`."""
        if self.namespaces and node in self.NODES:
            return ["ip", "netns", "exec", self.NODES[node][0]]
        return []


# -- the services ----------------------------------------------------------------


def _as_postgres(command):
    return (
        ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command
    )


class Postgres:
    def __init__(self, workdir, host):
        self.dir, self.host = workdir / "pg", host
        self.bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]

    def start(self):
        self.dir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        initdb = [str(self.bin / "initdb"), "-D", str(self.dir), "-U", "postgres"]
        run(_as_postgres([*initdb, "--auth=trust", "-E", "UTF8"]), capture_output=True)
        with (self.dir / "pg_hba.conf").open("a") as hba:
            hba.write("host all all 0.0.0.0/0 trust\n")  # a throwaway instance
        self._ctl("start")

    def _ctl(self, action):
        options = (
            f"-c listen_addresses={self.host} -p {PG_PORT} "
            f"-c unix_socket_directories={self.dir} -c fsync=off"
        )
        run(
            _as_postgres(
                [
                    str(self.bin / "pg_ctl"),
                    "-D",
                    str(self.dir),
                    "-l",
                    str(self.dir / "log"),
                    "-o",
                    options,
                    "-w",
                    action,
                    *(["-m", "fast"] if action != "start" else []),
                ]
            ),
            capture_output=True,
        )

    def restart(self):
        self._ctl("restart")

    def stop(self):
        with contextlib.suppress(subprocess.CalledProcessError):
            self._ctl("stop")

    def url(self, database="icpportal"):
        return f"postgres://postgres@{self.host}:{PG_PORT}/{database}"

    def tool(self, name, *args):
        return run(
            [
                str(self.bin / name),
                "-h",
                self.host,
                "-p",
                str(PG_PORT),
                "-U",
                "postgres",
                *args,
            ],
            capture_output=True,
        )


class Processes:
    """Every process started here, so that all of them are stopped at the end."""

    def __init__(self, logs):
        self.logs, self.all = logs, []

    def start(self, name, command, env):
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=(self.logs / f"{name}.log").open("a"),
            stderr=subprocess.STDOUT,
        )
        self.all.append(process)
        return process

    @staticmethod
    def kill(process, sig=signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)

    def stop_all(self):
        for process in self.all:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.all:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            if process.poll() is None:
                self.kill(process)


def nginx_config(workdir, network):
    """docs/deploy/nginx.conf with this rehearsal's addresses, ports and files."""
    site = (ROOT / "docs" / "deploy" / "nginx.conf").read_text()
    nodes = "".join(
        f"    server {address}:{WEB_PORT} max_fails=1 fail_timeout=10s;\n"
        for address in network.nodes.values()
    )
    site = re.sub(
        r"(upstream icpportal_web \{\n(?:    #.*\n)*)(    server .*\n)+",
        lambda m: m.group(1) + nodes,
        site,
    )
    site = re.sub(r"    listen \[::\]:\d+.*\n", "", site)
    site = re.sub(r"listen 80;", f"listen {network.infra}:{HTTP_PORT};", site)
    site = re.sub(
        r"listen 443 ssl http2;",
        f"listen {network.infra}:{HTTPS_PORT} ssl http2;",
        site,
    )
    site = site.replace("icp.example.com", HOSTNAME)
    site = site.replace("/etc/ssl/icpportal/", f"{workdir}/tls/")
    site = site.replace("/var/log/nginx/", f"{workdir}/logs/nginx.")
    main = f"""pid {workdir}/nginx.pid;
error_log {workdir}/logs/nginx.error.log warn;
worker_processes 2;
events {{ worker_connections 512; }}
http {{
    client_body_temp_path {workdir}/nginx-tmp/body;
    proxy_temp_path {workdir}/nginx-tmp/proxy;
    fastcgi_temp_path {workdir}/nginx-tmp/fastcgi;
    uwsgi_temp_path {workdir}/nginx-tmp/uwsgi;
    scgi_temp_path {workdir}/nginx-tmp/scgi;
{site}
}}
"""
    (workdir / "nginx-tmp").mkdir()
    os.chmod(workdir / "nginx-tmp", 0o777)  # nginx's workers are not root
    path = workdir / "nginx.conf"
    path.write_text(main)
    return path


def self_signed_certificate(workdir):
    tls = workdir / "tls"
    tls.mkdir()
    run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            f"/CN={HOSTNAME}",
            "-keyout",
            str(tls / "privkey.pem"),
            "-out",
            str(tls / "fullchain.pem"),
        ],
        capture_output=True,
    )


def ensure_nginx():
    if shutil.which("nginx"):
        return
    log("Installing nginx (Debian's package)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if (
        run(
            ["apt-get", "install", "-y", "-qq", "nginx-light"],
            env=env,
            check=False,
            capture_output=True,
        ).returncode
        != 0
    ):
        run(["apt-get", "update", "-qq"], env=env, capture_output=True)
        run(["apt-get", "install", "-y", "-qq", "nginx"], env=env, capture_output=True)
    # Debian starts the packaged service; the rehearsal runs its own instance.
    run(["nginx", "-s", "stop"], check=False, capture_output=True)


# -- the applicants --------------------------------------------------------------


def throwaway_certificate_tls():
    """TLS to nginx, whose certificate is the rehearsal's own self-signed one."""
    tls = ssl.create_default_context()
    tls.check_hostname = False
    tls.verify_mode = ssl.CERT_NONE
    return tls


class Client:
    """One browser on one address: cookies (with paths), CSRF, the one-time token."""

    def __init__(self, address, proxy, recorder, forged=None):
        self.address, self.proxy, self.recorder = address, proxy, recorder
        self.forged = forged
        self.cookies = {}  # (name, path) -> value
        self.tls = throwaway_certificate_tls()

    def _cookie_header(self, path):
        return "; ".join(
            f"{name}={value}"
            for (name, prefix), value in self.cookies.items()
            if path.startswith(prefix)
        )

    def request(self, method, path, fields=None):
        connection = http.client.HTTPSConnection(
            self.proxy,
            HTTPS_PORT,
            context=self.tls,
            timeout=20,
            source_address=(self.address, 0),
        )
        headers = {
            "Host": HOSTNAME,
            "Origin": f"https://{HOSTNAME}:{HTTPS_PORT}",
            "Cookie": self._cookie_header(path),
        }
        if self.forged:
            headers["X-Forwarded-For"] = self.forged()
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.monotonic()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
        except (OSError, http.client.HTTPException) as exc:
            self.recorder.record(
                started, method, path, f"conn:{exc.__class__.__name__}"
            )
            return None, ""
        finally:
            connection.close()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                cookie = http.cookies.SimpleCookie(value)
                for name, morsel in cookie.items():
                    self.cookies[(name, morsel["path"] or "/")] = morsel.value
        self.recorder.record(started, method, path, response.status)
        if method == "POST" and path.endswith("/resend/") and response.status == 303:
            self.recorder.traced.append(
                (self.address, response.getheader("X-Request-ID"))
            )
        return response.status, text

    def submit(self, path, fields):
        """GET the form, POST it, follow the 303: (answer code or None, page)."""
        status, page = self.request("GET", path)
        if status != 200:
            return None, status
        hidden = dict(
            re.findall(r'name="(csrfmiddlewaretoken|submission)" value="([^"]+)"', page)
        )
        status, _ = self.request(
            "POST", path, {**hidden, "captcha_0": "x", "captcha_1": "PASSED", **fields}
        )
        if status != 303:
            return None, status
        status, page = self.request("GET", path)
        if status != 200:
            return None, status
        found = re.search(r'data-valid-status="(\d+)"', page)
        if found:
            return int(found.group(1)), page
        return ("throttled" if "过于频繁" in page else None), page


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []  # (started, method, path, status, finished)
        self.windows = []  # (name, start, end)
        self.traced = []  # (client address, request id) of resend POSTs

    def record(self, started, method, path, status):
        with self.lock:
            self.requests.append((started, method, path, status, time.monotonic()))

    @contextlib.contextmanager
    def window(self, name, healthy=None):
        """A fault window: from the fault until it is repaired and, if `healthy` is
        given, until that says the system is whole again."""
        start = time.monotonic()
        log(f"Fault: {name}")
        try:
            yield
            if healthy:
                deadline = time.monotonic() + 60
                while not healthy() and time.monotonic() < deadline:
                    time.sleep(0.2)
        finally:
            end = time.monotonic()
            log(f"  repaired; whole again after {end - start:.1f}s")
            with self.lock:
                self.windows.append((name, start, end))

    def window_of(self, moment, finished=None, tail=3):
        """The fault window a request from `moment` to `finished` overlaps, counting
        `tail` seconds after each repair (a request that began just then may still
        meet the fault's wake)."""
        finished = moment if finished is None else finished
        for name, start, end in self.windows:
            if finished >= start and moment <= end + tail:
                return name
        return "no fault"


def person(serial, run_id):
    base = f"110102199{serial % 10}{(serial % 12) + 1:02d}{(serial % 28) + 1:02d}{serial % 1000:03d}"
    return {
        "name": f"演练{serial}",
        "certificate_type": "resident_id",
        "certificate_number": base + ric.calc_check_digit(base + "0"),
        "mobile": f"139{run_id:04d}{serial:04d}",
    }


def filing_records(first, count, run_id):
    records = []
    for n in range(first, first + count):
        leader, admin = person(2 * n, run_id), person(2 * n + 1, run_id)
        records.append(
            {
                "provider": "aliyun",
                "reference": f"REH-{run_id:04d}-{n:04d}",
                "province": "bj",
                "type": "first_filing",
                "policy": "miit-current",
                "subject": {
                    "name": f"演练科技有限公司{n}",
                    "nature": "individual",
                    "certificate_type": "resident_id",
                    "certificate_number": leader["certificate_number"],
                    "leader": leader,
                },
                "services": [
                    {
                        "kind": "website",
                        "name": f"演练网站{n}",
                        "domains": [f"reh{run_id}-{n}.example.cn"],
                        "administrator": admin,
                    }
                ],
            }
        )
    return records


class Rehearsal:
    def __init__(self, args):
        self.args = args
        self.workdir = Path(tempfile.mkdtemp(prefix="icpportal-rehearsal-"))
        os.chmod(self.workdir, 0o755)  # PostgreSQL runs as its own user
        (self.workdir / "logs").mkdir()
        self.network = Network(not args.loopback)
        self.pg = Postgres(self.workdir, self.network.infra)
        self.processes = Processes(self.workdir / "logs")
        self.recorder = Recorder()
        self.gateway_log = self.workdir / "gateway.log"
        self.gateway_log.touch()
        self.run_id = secrets.randbelow(10_000)
        self.nodes, self.workers, self.workers_down = {}, {}, set()
        self.interrupted_message = None
        self.stranded_file = self.workdir / "stranded-message"
        self.stranded_message = None
        self.journeys = Counter()
        self.health = []
        self.failures = []
        self.stop_load = threading.Event()
        self.receiver = WebhookReceiver(self.network.infra, HOOK_PORT)
        self.imported = 0
        self.api_key = None
        self.receipts = ReceiptPusher(
            self.gateway_log, self.push_receipts, self.recipients
        )

    # environment -----------------------------------------------------------------

    def env(self, database="icpportal", **extra):
        return {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "icpportal.settings",
            "DEBUG": "false",
            "SECRET_KEY": "rehearsal-secret-key-" + "x" * 40,
            "ALLOWED_HOSTS": f"{HOSTNAME},{','.join([self.network.infra, *self.network.nodes.values()])}",
            "CSRF_TRUSTED_ORIGINS": f"https://{HOSTNAME}:{HTTPS_PORT}",
            "SITE_URL": f"https://{HOSTNAME}:{HTTPS_PORT}",
            "DATABASE_URL": self.pg.url(database),
            "CACHE_URL": f"redis://{self.network.infra}:{REDIS_PORT}/0",
            "TASK_BACKEND": "database",
            "SMS_BACKEND": "rehearsal.gateway.RecordingGateway",
            "REHEARSAL_GATEWAY_LOG": str(self.gateway_log),
            # The gateway's receipts come through nginx (rehearsal.receipts).
            "SMS_RECEIPT_SECRET": RECEIPT_SECRET,
            "SMS_INTERRUPTED_AFTER_SECONDS": "8",
            # A text whose task died with its worker is queued again after 5 s; a
            # task row left running is reaped after 30 s (no task runs that long).
            "SMS_STALE_QUEUED_SECONDS": "5",
            "TASK_STALE_RUNNING_SECONDS": "30",
            "SMS_RETRY_DELAY_SECONDS": "1",
            "LOG_FORMAT": "json",
            "BEHIND_TLS_PROXY": "true",
            "TRUSTED_PROXIES": self.network.infra,
            "STATIC_ROOT": str(self.workdir / "static"),
            "CAPTCHA_TEST_MODE": "true",  # a script cannot read the picture
            # Eight applicants and four steady browsers stay under these; the client
            # with forged headers fills its resend bucket (see forged_headers).
            "RATELIMIT_VERIFY_PER_IP": "5000/h",
            "RATELIMIT_RESEND_PER_IP": f"{RESEND_LIMIT}/h",
            # The provider's receiver is on the rehearsal's own network, in plain
            # HTTP; retries come seconds apart, not the schedule's hours.
            "WEBHOOKS_ALLOW_PRIVATE": "true",
            "WEBHOOK_RETRY_SCHEDULE": "0,1,2,4,8,15,30",
            "WEBHOOK_TIMEOUT_SECONDS": "3",
            "EVENT_FEED_SETTLE_SECONDS": "1",
            **extra,
        }

    def manage(self, *args, env=None, **kwargs):
        return run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=env or self.env(), **kwargs
        )

    def sql(self, query, params=(), database="icpportal"):
        for attempt in range(30):
            try:
                with psycopg.connect(self.pg.url(database), connect_timeout=3) as conn:
                    return conn.execute(query, params).fetchall()
            except psycopg.OperationalError:
                if attempt == 29:
                    raise
                time.sleep(0.5)
        return []

    # processes -------------------------------------------------------------------

    def start_redis(self):
        self.redis = self.processes.start(
            "redis",
            [
                "redis-server",
                "--bind",
                self.network.infra,
                "--port",
                str(REDIS_PORT),
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "no",
            ],
            os.environ.copy(),
        )
        for _ in range(50):
            with contextlib.suppress(OSError):
                socket.create_connection((self.network.infra, REDIS_PORT), 0.5).close()
                return
            time.sleep(0.1)

    def start_node(self, name):
        address = self.network.nodes[name]
        self.nodes[name] = self.processes.start(
            name,
            [
                *self.network.on(name),
                str(BIN / "gunicorn"),
                "icpportal.wsgi",
                "-b",
                f"{address}:{WEB_PORT}",
                "-w",
                "2",
                "--graceful-timeout",
                "20",
                "--no-control-socket",
            ],
            self.env(),
        )
        self.wait_http(address, WEB_PORT)

    def supervise_workers(self):
        """What systemd's Restart=on-failure does for the worker unit."""
        while not self.stop_load.is_set():
            for name, process in list(self.workers.items()):
                if name not in self.workers_down and process.poll() is not None:
                    self.journeys[f"{name} restarted by the supervisor"] += 1
                    self.start_worker(name)
            time.sleep(0.5)

    def start_worker(self, name, dying=False):
        """Start a db_worker on its node; `dying`: one killed right after it takes
        its first text's task (rehearsal/dying_worker.py)."""
        node = "web1" if name == "worker1" else "web2"
        program = ["rehearsal/dying_worker.py"] if dying else ["manage.py", "db_worker"]
        self.workers[name] = self.processes.start(
            name,
            [
                *self.network.on(node),
                PYTHON,
                *program,
                "--interval",
                "0.2",
                "--no-startup-delay",
                "--no-reload",
            ],
            self.env(REHEARSAL_STRANDED_FILE=str(self.stranded_file)),
        )

    @staticmethod
    def wait_http(address, port, seconds=60):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, http.client.HTTPException):
                connection = http.client.HTTPConnection(address, port, timeout=2)
                connection.request("GET", "/healthz", headers={"Host": HOSTNAME})
                connection.getresponse().read()
                return
            time.sleep(0.2)
        raise RuntimeError(f"nothing answered on {address}:{port}")

    # the run ---------------------------------------------------------------------

    def setup(self):
        self.network.up()
        ensure_nginx()
        self.pg.start()
        self.pg.tool("createdb", "icpportal")
        log(f"PostgreSQL on {self.network.infra}:{PG_PORT}")
        self.start_redis()
        log(f"Redis on {self.network.infra}:{REDIS_PORT}")
        self.manage("migrate", "-v0")
        self.manage("collectstatic", "--noinput", "-v0")
        self_signed_certificate(self.workdir)
        config = nginx_config(self.workdir, self.network)
        run(["nginx", "-t", "-c", str(config)], capture_output=True)
        self.nginx = self.processes.start(
            "nginx",
            ["nginx", "-c", str(config), "-g", "daemon off;"],
            os.environ.copy(),
        )
        for name in ("web1", "web2"):
            self.start_node(name)
        for name in ("worker1", "worker2"):
            self.start_worker(name)
        log(
            "nginx -> web1, web2 (gunicorn, 2 workers each) -> PostgreSQL, Redis; "
            "worker1 on web1, worker2 on web2"
        )
        self.register_webhook()

    def register_webhook(self):
        """The provider's key, its receiver, and its endpoint registered through
        nginx with the API, as a provider would."""
        made = self.manage(
            "create_api_key", "aliyun", "--name", "rehearsal", capture_output=True
        )
        self.api_key = made.stdout.decode().strip().splitlines()[-1]
        self.receiver.start()
        status, body = self.api(
            "POST", "/api/v1/webhooks", {"url": self.receiver.url, "events": []}
        )
        if status != 201:
            raise RuntimeError(f"registering the webhook answered {status}: {body}")
        self.receiver.secret = body["secret"]
        log(
            f"Webhook endpoint {body['id']} -> the provider's receiver {self.receiver.url}"
        )

    def api(self, method, path, payload=None):
        """One provider API call through nginx: (status, the JSON answer)."""
        connection = http.client.HTTPSConnection(
            self.network.infra,
            HTTPS_PORT,
            context=throwaway_certificate_tls(),
            timeout=20,
        )
        headers = {"Host": HOSTNAME, "Authorization": f"Bearer {self.api_key}"}
        body = None
        if payload is not None:
            body = json.dumps(payload)
            headers["Content-Type"] = "application/json"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
        finally:
            connection.close()
        try:
            return response.status, json.loads(text)
        except ValueError:
            return response.status, text

    def push_receipts(self, body):
        """One push of delivery receipts through nginx, as the vendor sends it: the
        answer's status, None for no answer."""
        connection = http.client.HTTPSConnection(
            self.network.infra,
            HTTPS_PORT,
            context=throwaway_certificate_tls(),
            timeout=20,
        )
        try:
            connection.request(
                "POST",
                f"/sms/receipts/aliyun/{RECEIPT_SECRET}/",
                body=body,
                headers={"Host": HOSTNAME, "Content-Type": "application/json"},
            )
            response = connection.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException):
            return None
        finally:
            connection.close()

    def recipients(self, ids):
        return dict(
            self.sql(
                "SELECT id, recipient FROM verification_smsmessage WHERE id = ANY(%s)",
                (list(ids),),
            )
        )

    def import_filings(self, count):
        first, self.imported = self.imported, self.imported + count
        records = filing_records(first, count, self.run_id)
        path = self.workdir / f"filings-{first}.json"
        path.write_text(json.dumps({"filings": records}, ensure_ascii=False))
        self.manage("import_filings", str(path), capture_output=True)
        return records

    def latest_code(self, mobile, seconds=60):
        """The code of the newest code text to `mobile`, once the phone has it."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            rows = self.sql(
                "SELECT text, status FROM verification_smsmessage WHERE recipient = %s "
                "AND kind = 'verification_code' ORDER BY id DESC LIMIT 1",
                (mobile,),
            )
            if rows and rows[0][1] == "sent":
                return re.search(r"验证码为(\d{6})", rows[0][0]).group(1)
            time.sleep(0.3)
        return None

    def step(self, client, path, fields, wanted, person=None):
        """One page action, pressed again (like a person would) until it answers."""
        for _ in range(8):
            if person is not None:
                fields = {
                    **fields,
                    "code": self.latest_code(person["mobile"]) or "000000",
                }
            answer, _ = client.submit(path, fields)
            if answer in wanted:
                return answer
            if answer == 2 and person is not None:
                time.sleep(0.5)  # a fresh code replaced the one read: read again
                continue
            time.sleep(1)
        self.journeys["steps given up"] += 1
        return None

    def journey(self, client, record):
        leader = record["subject"]["leader"]
        admin = record["services"][0]["administrator"]
        if not self.latest_code(leader["mobile"]) or not self.latest_code(
            admin["mobile"]
        ):
            self.journeys["texts not received"] += 1
            return
        who = {
            "mobile": leader["mobile"],
            "cert_last6": leader["certificate_number"][-6:],
        }
        wrong = self.step(client, "/verify/", {**who, "code": "000000"}, {2, 31, 3})
        resent = self.step(client, "/resend/", who, {101})
        first = self.step(client, "/verify/", who, {31, 20}, person=leader)
        other = {
            "mobile": admin["mobile"],
            "cert_last6": admin["certificate_number"][-6:],
        }
        last = self.step(client, "/verify/", other, {3, 20}, person=admin)
        self.journeys["journeys"] += 1
        if (wrong, resent, first, last) == (2, 101, 31, 3):
            self.journeys["journeys answered 2, 101, 31, 3"] += 1

    def applicant(self, address, work):
        client = Client(address, self.network.infra, self.recorder)
        while not self.stop_load.is_set():
            try:
                record = work.get(timeout=0.5)
            except queue.Empty:
                continue
            self.journey(client, record)

    def browse(self, address):
        """Steady traffic through every fault: pages, and verifies of numbers with
        nothing pending (answer 4)."""
        client = Client(address, self.network.infra, self.recorder)
        while not self.stop_load.is_set():
            client.request("GET", random.choice(["/", "/provinces/", "/p/gs/"]))
            client.submit(
                "/verify/",
                {
                    "code": "654321",
                    "mobile": f"137{random.randrange(10**8):08d}",
                    "cert_last6": "654321",
                },
            )

    def healthy(self):
        """The last /healthz through nginx said 200, and it was taken just now."""
        return (
            bool(self.health)
            and self.health[-1][1] == 200
            and (time.monotonic() - self.health[-1][0] < 1.5)
        )

    def watch_health(self):
        client = Client(self.network.clients[-1], self.network.infra, Recorder())
        while not self.stop_load.is_set():
            status, body = client.request("GET", "/healthz")
            down = []
            with contextlib.suppress(ValueError, TypeError):
                down = [
                    name
                    for name, check in json.loads(body)["checks"].items()
                    if not check["state"].startswith("ok")
                ]
            self.health.append((time.monotonic(), status, ",".join(down)))
            time.sleep(0.5)

    def sweep(self):
        """The deployment's two timers: the deadline sweep and the webhooks' one."""
        while not self.stop_load.is_set():
            self.manage("process_deadlines", capture_output=True, check=False)
            self.manage("send_webhooks", capture_output=True, check=False)
            time.sleep(3)

    def faults(self):
        pause = self.args.pause
        time.sleep(pause)
        with self.recorder.window("web1 killed (kill -9)", self.healthy):
            self.processes.kill(self.nodes["web1"])
            time.sleep(pause)
            self.start_node("web1")
        time.sleep(pause)
        self.kill_worker_mid_send(pause)
        time.sleep(pause)
        self.kill_only_worker_after_claim(pause)
        time.sleep(pause)
        with self.recorder.window("webhook receiver down (503, then closed)"):
            self.receiver.down = "503"
            self.more_filings(2)  # their events find the receiver down
            time.sleep(pause)
            self.receiver.close()
            self.more_filings(2)
            time.sleep(pause)
            self.receiver.start()
        time.sleep(pause)
        with self.recorder.window("Redis stopped", self.healthy):
            self.processes.kill(self.redis, signal.SIGTERM)
            time.sleep(max(pause, 5))
            self.start_redis()
        time.sleep(pause)
        with self.recorder.window("PostgreSQL restarted", self.healthy):
            self.pg.restart()
        time.sleep(pause)
        with self.recorder.window("rolling restart of web1 and web2 (graceful)"):
            for name in ("web1", "web2"):
                os.kill(self.nodes[name].pid, signal.SIGHUP)
                time.sleep(4)  # its new workers are up, the old ones finished
        time.sleep(pause)
        # More filings from the provider, so the dump holds some that are pending.
        self.more_filings(self.args.filings // 2)
        time.sleep(pause)
        self.restore_drill()

    def more_filings(self, count):
        """The provider sends more filings: their texts and events are under way."""
        for record in self.import_filings(count):
            self.work.put(record)

    def kill_worker_mid_send(self, pause):
        """Kill -9 the worker that is handing a message to the gateway right now
        (two more filings, so that texts are being sent)."""
        self.more_filings(2)
        sending = Path(str(self.gateway_log) + ".sending")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError):
                pid, message = map(int, sending.read_text().split())
                status = self.sql(
                    "SELECT status FROM verification_smsmessage WHERE id = %s",
                    (message,),
                )
                if not status or status[0][0] != "sending":
                    continue
                for name, process in self.workers.items():
                    if process.poll() is None and os.getpgid(pid) == process.pid:
                        with self.recorder.window(f"{name} killed mid-send"):
                            self.workers_down.add(name)
                            self.processes.kill(process)
                            self.interrupted_message = message
                            time.sleep(pause)
                            self.start_worker(name)
                            self.workers_down.discard(name)
                        return
            time.sleep(0.02)
        log("No message was being sent within 30 s: no worker killed")

    def kill_only_worker_after_claim(self, pause):
        """Stop worker2, then let worker1, the only worker left, be killed right
        after it takes a text's task (two more filings, so texts are queued): the
        text waits "queued" with its task row "running". The supervisor restarts
        worker1; the sweep must queue the text again and reap the row."""
        with self.recorder.window("the only worker killed right after a claim"):
            for name in ("worker2", "worker1"):
                self.workers_down.add(name)
                self.processes.kill(self.workers[name], signal.SIGTERM)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.workers[name].wait(timeout=30)
            self.stranded_file.unlink(missing_ok=True)
            self.start_worker("worker1", dying=True)
            self.more_filings(2)
            deadline = time.monotonic() + 60
            while (
                time.monotonic() < deadline and self.workers["worker1"].poll() is None
            ):
                time.sleep(0.1)
            with contextlib.suppress(OSError, ValueError):
                self.stranded_message = int(self.stranded_file.read_text())
            if self.stranded_message is None:
                log("The only worker took no text's task within 60 s")
            # systemd restarts it; the sweep finds the stranded text after 5 s.
            self.start_worker("worker1")
            self.workers_down.discard("worker1")
            time.sleep(pause)
            self.start_worker("worker2")
            self.workers_down.discard("worker2")

    def restore_drill(self):
        # A filing of the drill's own that no applicant works, its code sent, so the
        # dump holds a pending one however fast the journeys finished theirs.
        drilled = self.import_filings(1)[0]["subject"]["leader"]["mobile"]
        if self.latest_code(drilled, seconds=120) is None:
            log("The drill's own filing got no code text within 120 s")
        dump = self.workdir / "icpportal.dump"
        self.pg.tool("pg_dump", "-Fc", "-f", str(dump), "icpportal")
        self.pg.tool("createdb", "icpportal_restore")
        self.pg.tool("pg_restore", "-d", "icpportal_restore", str(dump))
        rows = self.sql(
            "SELECT m.recipient, m.text, p.certificate_number FROM verification_verification v "
            "JOIN filings_filingapplication f ON f.id = v.filing_id "
            "JOIN verification_smsmessage m ON m.verification_id = v.id "
            "JOIN filings_person p ON p.mobile = v.mobile "
            "WHERE v.status = 'pending' AND f.status = 'pending_verification' "
            "AND m.kind = 'verification_code' AND m.status = 'sent' "
            "AND m.id = (SELECT max(id) FROM verification_smsmessage WHERE verification_id = v.id "
            "AND kind = 'verification_code') LIMIT 1",
            database="icpportal_restore",
        )
        self.drill = {"dump_bytes": dump.stat().st_size, "answer": None}
        if not rows:
            self.drill["answer"] = "no pending filing in the dump"
            return
        mobile, text, certificate = rows[0]
        address = self.network.infra
        env = self.env(
            "icpportal_restore",
            CACHE_URL=f"redis://{address}:{REDIS_PORT}/1",
            TASK_BACKEND="immediate",
            # The copy's events must not reach the provider's receiver: a private
            # address is refused here, so its deliveries fail on the copy.
            WEBHOOKS_ALLOW_PRIVATE="false",
            SECURE_SSL_REDIRECT="false",
            SESSION_COOKIE_SECURE="false",
            CSRF_COOKIE_SECURE="false",
            BEHIND_TLS_PROXY="false",
        )
        node = self.processes.start(
            "drill",
            [
                str(BIN / "gunicorn"),
                "icpportal.wsgi",
                "-b",
                f"{address}:{DRILL_PORT}",
                "-w",
                "1",
                "--no-control-socket",
            ],
            env,
        )
        try:
            self.wait_http(address, DRILL_PORT)
            page = _plain_submit(
                address,
                DRILL_PORT,
                "/verify/",
                {
                    "code": re.search(r"验证码为(\d{6})", text).group(1),
                    "mobile": mobile,
                    "cert_last6": certificate[-6:],
                },
            )
            found = re.search(r'data-valid-status="(\d+)"', page)
            self.drill["answer"] = int(found.group(1)) if found else "no answer"
        finally:
            self.processes.kill(node, signal.SIGTERM)
        log(
            f"Restore drill: dump {self.drill['dump_bytes']:,} bytes restored; a person "
            f"pending in it verified on a node over the copy: answer {self.drill['answer']}"
        )

    def forged_headers(self):
        """One client rotating forged X-Forwarded-For values: its own resend bucket
        still fills, and every attempt is counted to its real address."""
        attacker = self.network.clients[-2]
        client = Client(
            attacker,
            self.network.infra,
            self.recorder,
            forged=lambda: f"198.51.100.{random.randrange(1, 255)}",
        )
        answers = Counter()
        for _ in range(RESEND_LIMIT + 10):
            mobile = f"136{random.randrange(10**8):08d}"  # a new number each time
            answer, _ = client.submit(
                "/resend/", {"mobile": mobile, "cert_last6": "123456"}
            )
            answers[answer] += 1
        rows = self.sql(
            "SELECT host(ip), count(*) FROM verification_attempt "
            "WHERE mobile LIKE '136%%' GROUP BY ip"
        )
        self.forged = {
            "answers": dict(answers),
            "attempts_by_ip": dict(rows),
            "attacker": attacker,
        }
        log(
            f"Forged X-Forwarded-For from {attacker}: answers {dict(answers)}; attempts by "
            f"address {dict(rows)}"
        )

    def load(self):
        work = self.work = queue.Queue()
        for record in self.import_filings(self.args.filings):
            work.put(record)
        log(
            f"{self.args.filings} filings imported; {len(self.network.clients) - 2} applicants start"
        )
        threads = [
            threading.Thread(target=self.applicant, args=(a, work))
            for a in self.network.clients[:8]
        ]
        threads += [
            threading.Thread(target=self.browse, args=(a,))
            for a in self.network.clients[:4]
        ]
        threads += [
            threading.Thread(target=self.watch_health),
            threading.Thread(target=self.sweep),
            threading.Thread(target=self.supervise_workers),
        ]
        pushing = threading.Thread(target=self.receipts.run, daemon=True)
        pushing.start()
        for thread in threads:
            thread.start()
        try:
            self.faults()
            while not work.empty():
                time.sleep(0.5)
            time.sleep(3)
        finally:
            self.stop_load.set()
            for thread in threads:
                thread.join(timeout=120)
        self.forged_headers()
        self.settle()
        self.receipts.stop.set()
        pushing.join(timeout=120)
        self.receipts.drain()

    def settle(self):
        """Let the workers and the sweep finish what is queued or interrupted: the
        texts, and the webhooks (events not dispatched, deliveries not delivered)."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            self.manage("process_deadlines", capture_output=True, check=False)
            self.manage("send_webhooks", capture_output=True, check=False)
            busy = self.sql(
                "SELECT (SELECT count(*) FROM verification_smsmessage "
                "WHERE status IN ('queued', 'sending')) + (SELECT count(*) FROM "
                "filings_providerevent WHERE dispatched_at IS NULL) + (SELECT count(*) "
                "FROM api_webhookdelivery WHERE status IN ('pending', 'sending'))"
            )[0][0]
            if not busy:
                return
            time.sleep(2)

    # the reconciliation ----------------------------------------------------------

    def check(self, ok, text):
        mark = "ok" if ok else "BROKEN"
        if not ok:
            self.failures.append(text)
        print(f"| {mark} | {text} |")

    def reconcile(self):
        requests = self.recorder.requests
        print("\n## Requests\n")
        print(
            f"{len(requests):,} requests through nginx; answers {dict(sorted(Counter(str(r[3]) for r in requests).items()))}"
        )
        print(
            "\n| fault window | requests | 5xx | connection errors | /healthz |\n|---|---|---|---|---|"
        )
        by_window = defaultdict(list)
        for request in requests:
            by_window[self.recorder.window_of(request[0], request[4])].append(request)
        health = defaultdict(Counter)
        for moment, status, down in self.health:
            health[self.recorder.window_of(moment)][
                f"{status}{' ' + down if down else ''}"
            ] += 1
        rolling_errors = 0
        for name in ["no fault", *[w[0] for w in self.recorder.windows]]:
            rows = by_window.get(name, [])
            errors = sum(1 for r in rows if isinstance(r[3], int) and r[3] >= 500)
            broken = sum(1 for r in rows if not isinstance(r[3], int))
            if name.startswith("rolling"):
                rolling_errors = errors + broken
            print(
                f"| {name} | {len(rows)} | {errors} | {broken} | {dict(health.get(name, {}))} |"
            )

        print("\n## Invariants\n\n| | |\n|---|---|")
        messages = {
            (k, s): n
            for k, s, n in self.sql(
                "SELECT kind, status, count(*) FROM verification_smsmessage GROUP BY kind, status"
            )
        }
        codes = sum(n for (k, _), n in messages.items() if k == "verification_code")
        sent = messages.get(("verification_code", "sent"), 0)
        failed = messages.get(("verification_code", "failed"), 0)
        handed = Counter(int(line) for line in self.gateway_log.read_text().split())
        code_ids = {
            r[0]
            for r in self.sql(
                "SELECT id FROM verification_smsmessage WHERE kind = 'verification_code'"
            )
        }
        sent_ids = {
            r[0]
            for r in self.sql(
                "SELECT id FROM verification_smsmessage WHERE status = 'sent'"
            )
        }
        interrupted = self.sql(
            "SELECT count(*) FROM verification_smsmessage WHERE status = 'failed' AND error LIKE 'The worker stopped%%'"
        )[0][0]
        print(
            f"| | codes issued {codes}; texts queued {sum(messages.values())} "
            f"(codes and notifications); code texts sent {sent}, failed {failed} "
            f"(interrupted mid-send {interrupted}); handed to the gateway "
            f"{sum(handed.values())} |"
        )
        self.check(
            all(s in ("sent", "failed") for (_, s) in messages),
            "every text ended sent or failed (none stuck queued or sending)",
        )
        self.check(
            max((n for i, n in handed.items() if i in code_ids), default=1) == 1,
            "no code text handed to the gateway twice",
        )
        self.check(
            sent_ids <= set(handed), "every text marked sent was handed to the gateway"
        )
        self.check(
            failed == interrupted,
            "every failed code text is one whose worker died mid-send",
        )
        if self.interrupted_message:
            row = self.sql(
                "SELECT status, kind FROM verification_smsmessage WHERE id = %s",
                (self.interrupted_message,),
            )[0]
            print(
                f"| | the message being sent when its worker was killed: {row[1]}, now {row[0]} |"
            )
        self.check(
            self.stranded_message is not None,
            "the only worker was killed right after it took a text's task",
        )
        if self.stranded_message is not None:
            row = self.sql(
                "SELECT status, kind FROM verification_smsmessage WHERE id = %s",
                (self.stranded_message,),
            )[0]
            reaped = self.sql(
                "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE "
                "exception_class_path = 'infra.task_rows.WorkerLost'"
            )[0][0]
            self.check(
                row[0] == "sent" and handed[self.stranded_message] == 1,
                f"the text whose task died with the only worker ({row[1]}) was "
                f"queued again and sent once: now {row[0]}, handed to the gateway "
                f"{handed[self.stranded_message]} time(s); task rows reaped: {reaped}",
            )
            self.check(
                reaped >= 1,
                "the task row the killed worker left running was reaped",
            )
        running = self.sql(
            "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING'"
        )[0][0]
        self.check(running == 0, f"no task row left running ({running})")
        lost = self.sql(
            "SELECT count(*) FROM verification_verification v WHERE v.status = 'pending' AND NOT EXISTS ("
            "SELECT 1 FROM verification_smsmessage m WHERE m.verification_id = v.id AND m.status = 'sent' "
            "AND m.kind = 'verification_code' AND m.id = (SELECT max(id) FROM verification_smsmessage "
            "WHERE verification_id = v.id AND kind = 'verification_code'))"
        )[0][0]
        self.check(
            lost == 0,
            f"every pending person's latest code reached the phone ({lost} not)",
        )
        attempts = self.sql("SELECT count(*) FROM verification_attempt")[0][0]
        posts = [r for r in requests if r[1] == "POST"]
        answered = sum(1 for r in posts if r[3] == 303)
        unanswered = sum(1 for r in posts if not isinstance(r[3], int) or r[3] >= 500)
        by_action = dict(
            self.sql(
                "SELECT action, count(*) FROM verification_attempt GROUP BY action"
            )
        )
        by_path = Counter(r[2].strip("/").split("/")[-1] for r in posts if r[3] == 303)
        print(
            f"| | attempts by action {by_action}; answered POSTs by page {dict(by_path)} |"
        )
        print(
            f"| | attempts recorded {attempts}; verify/resend POSTs answered {answered}, "
            f"not answered (5xx or connection lost) {unanswered} |"
        )
        self.check(
            answered <= attempts <= answered + unanswered,
            "attempts: one per processed request, none unaccounted for",
        )
        events = self.sql(
            "SELECT filing_id, from_status, to_status FROM filings_auditevent "
            "WHERE to_status <> '' ORDER BY filing_id, id"
        )
        statuses = dict(self.sql("SELECT id, status FROM filings_filingapplication"))
        chains, replayed = defaultdict(list), 0
        for filing_id, source, target in events:
            chains[filing_id].append((source, target))
        for filing_id, status in statuses.items():
            state = None
            for source, target in chains[filing_id]:
                if state is not None and source != state:
                    break
                state = target
            else:
                replayed += state == status
        self.check(
            replayed == len(statuses),
            f"audit events replay to every filing's status ({replayed} of {len(statuses)})",
        )
        verified = self.sql(
            "SELECT count(*) FROM verification_verification WHERE status = 'verified'"
        )[0][0]
        verified_events = self.sql(
            "SELECT count(*) FROM filings_auditevent WHERE event_type = 'verified'"
        )[0][0]
        self.check(
            verified == verified_events,
            f"one 'verified' event per verified person ({verified_events} for {verified})",
        )
        illegal = self.sql(
            "SELECT count(*) FROM filings_filingapplication f WHERE "
            "(f.status = 'pending_verification' AND (f.verification_deadline IS NULL OR NOT EXISTS ("
            "SELECT 1 FROM verification_verification v WHERE v.filing_id = f.id AND v.status = 'pending'))) "
            "OR (f.status <> 'pending_verification' AND EXISTS (SELECT 1 FROM verification_verification v "
            "WHERE v.filing_id = f.id AND v.status = 'pending')) "
            "OR (f.status = 'under_review' AND EXISTS (SELECT 1 FROM verification_verification v "
            "WHERE v.filing_id = f.id AND v.status <> 'verified'))"
        )[0][0]
        self.check(illegal == 0, f"every filing in a legal state ({illegal} not)")
        self.check(
            rolling_errors == 0,
            f"no failed request during the rolling restart ({rolling_errors})",
        )
        calm = by_window.get("no fault", [])
        calm_errors = sum(1 for r in calm if not isinstance(r[3], int) or r[3] >= 500)
        self.check(
            calm_errors == 0,
            f"no failed request outside the fault windows ({calm_errors})",
        )
        self.check(
            self.trace_logs(),
            "one resend traced through the logs: nginx, its node (real client, "
            "request id, the text queued), the worker (the text sent)",
        )
        limit = RESEND_LIMIT
        processed = sum(
            n for a, n in self.forged["answers"].items() if a != "throttled"
        )
        throttled = self.forged["answers"].get("throttled", 0)
        self.check(
            set(self.forged["attempts_by_ip"]) == {self.forged["attacker"]}
            and processed <= limit
            and throttled > 0,
            f"forged X-Forwarded-For: every attempt counted to {self.forged['attacker']}, throttled after the per-address limit",
        )
        self.check(
            self.drill.get("answer") in (31, 3),
            f"restore drill: verified on the restored copy (answer {self.drill.get('answer')})",
        )
        self.reconcile_webhooks(statuses)
        self.reconcile_receipts()
        print(f"\nJourneys: {dict(self.journeys)}")
        print(
            f"Network: {'namespaces and veth pairs' if self.network.namespaces else 'loopback addresses (no namespaces)'}; "
            f"logs in {self.workdir / 'logs'}"
        )

    def reconcile_receipts(self):
        """Every receipt the gateway pushed through nginx was taken, once, and every
        text it took reads as delivered."""
        pusher = self.receipts
        ours = set(pusher.reports) - {STRANGER["id"]}
        kept = self.sql(
            "SELECT count(*), count(DISTINCT message_id), "
            "count(*) FILTER (WHERE before_send) FROM verification_deliveryreceipt"
        )[0]
        sent = self.sql(
            "SELECT count(*), count(*) FILTER (WHERE report = 'delivered') "
            "FROM verification_smsmessage WHERE status = 'sent'"
        )[0]
        stranger = self.sql(
            "SELECT count(*) FROM verification_deliveryreceipt WHERE gateway_id = %s",
            (f"rehearsal-{STRANGER['id']}",),
        )[0][0]
        print("\n## Delivery receipts\n\n| | |\n|---|---|")
        print(
            f"| | {len(ours)} receipts pushed through nginx in {pusher.pushes} pushes "
            f"(answers {dict(sorted(pusher.answers.items()))}; {pusher.retried} "
            f"pushed again after a fault; {pusher.duplicates} reports pushed twice; "
            f"one for a text not ours); kept {kept[0]}, for {kept[1]} texts, "
            f"{kept[2]} of them before the send was recorded |"
        )
        self.check(pusher.given_up == 0, "every push was taken (200) in the end")
        self.check(
            kept[0] == kept[1] == len(ours),
            f"each receipt kept once: {kept[0]} kept for {len(ours)} texts",
        )
        self.check(stranger == 0, "the receipt for a text not ours created nothing")
        self.check(
            sent[0] == sent[1],
            f"every text marked sent reads as delivered on its receipt "
            f"({sent[1]} of {sent[0]})",
        )
        logs = sorted((self.workdir / "logs").iterdir())
        leaked = [
            p.name for p in logs if RECEIPT_SECRET in p.read_text(errors="replace")
        ]
        receipt_lines = sum(
            p.read_text(errors="replace").count("/sms/receipts/aliyun/[secret]/")
            for p in logs
            if p.name.startswith("nginx")
        )
        self.check(
            not leaked and receipt_lines >= pusher.pushes,
            f"no log holds the receipt secret ({receipt_lines} pushes logged by "
            f"nginx as [secret]{'; in ' + ', '.join(leaked) if leaked else ''})",
        )

    def reconcile_webhooks(self, statuses):
        """The provider's view: every event delivered signed, the event feed whole,
        and the filings' states rebuilt from either equal to the database's."""
        events = {
            f"evt_{pk}": (event_type, filing_id, sequence)
            for pk, event_type, filing_id, sequence in self.sql(
                "SELECT id, event_type, filing_id, sequence FROM filings_providerevent"
            )
        }
        deliveries = dict(
            self.sql("SELECT status, count(*) FROM api_webhookdelivery GROUP BY status")
        )
        attempts = dict(
            self.sql(
                "SELECT coalesce(status_code::text, 'no answer'), count(*) "
                "FROM api_webhookattempt GROUP BY 1"
            )
        )
        received = self.receiver.events()
        print(
            f"| | provider events {len(events)}; deliveries {deliveries}; attempts by "
            f"answer {attempts}; the receiver took {len(received)} events "
            f"({self.receiver.duplicates()} again), answered 503 to "
            f"{self.receiver.answered_503} |"
        )
        self.check(
            set(received) == set(events)
            and all(
                (e["type"], e["data"]["sequence"]) == (events[i][0], events[i][2])
                for i, e in received.items()
            ),
            f"every provider event delivered to the receiver, and nothing else "
            f"({len(set(events) - set(received))} missing, "
            f"{len(set(received) - set(events))} unknown)",
        )
        failed = sum(n for answer, n in attempts.items() if answer != "204")
        self.check(
            failed > 0 and deliveries == {"delivered": len(events)},
            f"the deliveries that found the receiver down ({failed} attempts) were "
            "retried until delivered",
        )
        self.check(
            self.receiver.refused == 0,
            f"every delivery's signature checked ({self.receiver.refused} refused)",
        )
        sequences = defaultdict(list)
        for _, filing_id, sequence in events.values():
            sequences[filing_id].append(sequence)
        self.check(
            all(sorted(s) == list(range(1, len(s) + 1)) for s in sequences.values()),
            "each filing's events numbered 1, 2, 3... without a gap",
        )
        feed, after = [], None
        for _ in range(1000):
            status, page = self.api(
                "GET", f"/api/v1/events?limit=100{f'&after={after}' if after else ''}"
            )
            if status != 200:
                break
            feed += page["events"]
            after = page["next_after"]
            if after is None:
                break
        in_order = [e["id"] for e in feed] == sorted(
            (e["id"] for e in feed), key=lambda i: int(i.removeprefix("evt_"))
        )
        self.check(
            in_order and {e["id"] for e in feed} == set(events),
            f"the event feed lists every event once, in order ({len(feed)} listed)",
        )
        references = dict(
            self.sql("SELECT id, reference FROM filings_filingapplication")
        )
        wanted = {references[i]: s for i, s in statuses.items()}
        rebuilt = filing_states(received.values())
        self.check(
            rebuilt == wanted and filing_states(feed) == wanted,
            "the receiver's and the feed's latest event per filing give every "
            f"filing's status ({sum(rebuilt.get(r) == s for r, s in wanted.items())} "
            f"of {len(wanted)})",
        )
        secrets_in = [
            value
            for (value,) in self.sql(
                "SELECT mobile FROM filings_person UNION SELECT certificate_number "
                "FROM filings_person UNION SELECT substring(text from '验证码为([0-9]{6})') "
                "FROM verification_smsmessage WHERE kind = 'verification_code'"
            )
            if value
        ]
        text = self.receiver.text()
        # A code would show as a value of its own; six digits also occur inside
        # timestamps.
        leaked = [
            value
            for value in secrets_in
            if (f'"{value}"' if len(value) == 6 else value) in text
        ]
        self.check(
            not leaked,
            f"no code, mobile or certificate number in a delivery ({len(leaked)} found "
            f"among {len(secrets_in)})",
        )

    def trace_logs(self):
        """Follow one resend: nginx's line, its node's lines (the real client, the
        text queued) and the worker's line (the text sent), all under one id."""
        logs = self.workdir / "logs"
        nginx = (logs / "nginx.icpportal.access.log").read_text()

        def json_lines(*names):
            for name in names:
                for line in (logs / f"{name}.log").read_text().splitlines():
                    if line.startswith("{"):
                        yield json.loads(line)

        nodes = list(json_lines("web1", "web2"))
        workers = list(json_lines("worker1", "worker2"))
        for address, request_id in self.recorder.traced[:20]:
            lines = [line for line in nodes if line["request_id"] == request_id]
            queued = [re.search(r"SMS (\d+) queued", line["message"]) for line in lines]
            queued = [m.group(1) for m in queued if m]
            if not (f"id={request_id}" in nginx and queued):
                continue
            delivered = [
                line
                for line in workers
                if line["message"].startswith(f"SMS {queued[0]} sent")
            ]
            if (
                all(line["client"] == address for line in lines)
                and delivered
                and all(line["request_id"] == request_id for line in delivered)
            ):
                print(
                    f"| | traced: {address} -> nginx id={request_id} -> node "
                    f"({len(lines)} lines, client {address}, SMS {queued[0]} queued) -> "
                    f"worker (SMS {queued[0]} sent, the same id) |"
                )
                return True
        return False

    def teardown(self):
        self.stop_load.set()
        self.receiver.stop()
        self.processes.stop_all()
        self.pg.stop()
        self.network.down()


def _plain_submit(address, port, path, fields):
    def call(method, body=None, cookies=""):
        connection = http.client.HTTPConnection(address, port, timeout=20)
        headers = {"Host": HOSTNAME, "Cookie": cookies}
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
        jar = "; ".join(
            f"{n}={m.value}"
            for h, v in response.getheaders()
            if h.lower() == "set-cookie"
            for n, m in http.cookies.SimpleCookie(v).items()
        )
        return text, jar

    page, jar = call("GET")
    hidden = dict(
        re.findall(r'name="(csrfmiddlewaretoken|submission)" value="([^"]+)"', page)
    )
    _, more = call(
        "POST",
        urllib.parse.urlencode(
            {**hidden, "captcha_0": "x", "captcha_1": "PASSED", **fields}
        ),
        jar,
    )
    page, _ = call("GET", cookies="; ".join(filter(None, [jar, more])))
    return page


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--filings",
        type=int,
        default=24,
        help="filings imported at the start (half as many more later)",
    )
    parser.add_argument(
        "--pause",
        type=float,
        default=4,
        help="seconds between and within fault windows",
    )
    parser.add_argument("--loopback", action="store_true", help="no network namespaces")
    parser.add_argument(
        "--keep", action="store_true", help="keep the working directory"
    )
    args = parser.parse_args()
    rehearsal = Rehearsal(args)
    log(f"Working directory {rehearsal.workdir}")
    try:
        rehearsal.setup()
        rehearsal.load()
        rehearsal.reconcile()
    finally:
        rehearsal.teardown()
        if not args.keep and not rehearsal.failures:
            shutil.rmtree(rehearsal.workdir, ignore_errors=True)
    log(
        f"Rehearsal {'FAILED: ' + '; '.join(rehearsal.failures) if rehearsal.failures else 'passed'}"
    )
    return 1 if rehearsal.failures else 0


if __name__ == "__main__":
    sys.exit(main())
