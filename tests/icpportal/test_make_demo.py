"""`make demo` as a newcomer meets it: after the install lines its output fits one
screen and ends with the API key and a `curl` that works every time; a second run
keeps the key; a mistyped address shows the project's own 404 (DEBUG is off); and
the sandbox's quickstart (docs/sandbox.md) runs on it as written."""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from tests.servers import free_port

ONE_SCREEN = 24  # lines of a terminal


def copy_of_the_project(target):
    """The tracked files, as a fresh clone has them (no database, no kept key)."""
    listed = subprocess.run(
        [shutil.which("git"), "ls-files", "-z"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, listed):
        source = settings.BASE_DIR / os.fsdecode(name)
        if source.is_file():
            (target / os.fsdecode(name)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / os.fsdecode(name))


def run_demo(folder, port):
    """Start `make demo` in `folder`; returns the process and its output once the
    server answers."""
    venv = Path(sys.prefix)
    process = subprocess.Popen(
        [
            shutil.which("make"),
            "--no-print-directory",
            "demo",
            f"VENV={venv}",
            f"PORT={port}",
            "DEMO_FILINGS=200",
            "-o",
            f"{venv}/.installed",  # this suite's virtualenv is installed already
        ],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        # a newcomer's shell: none of this run's settings (its DATABASE_URL above all)
        env={"PATH": os.environ["PATH"], "HOME": str(folder), "LANG": "C.UTF-8"},
    )
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            break
        except (urllib.error.URLError, ConnectionError):
            assert process.poll() is None, process.stdout.read()
            time.sleep(1)
    else:
        raise AssertionError("the demo did not start")
    return process


def run_quickstart(folder, port):
    """The manual's sandbox quickstart, its shell block run with bash in `folder`
    against the demo on `port` (the receiver on a free port)."""
    text = (folder / "docs" / "sandbox.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n(.*?)```", text.split("## Quickstart", 1)[1], re.S)
    script = (
        block.group(1)
        .replace("http://127.0.0.1:8000", f"http://127.0.0.1:{port}")
        .replace("8765", str(free_port()))
    )
    return subprocess.run(
        [shutil.which("bash"), "-e", "-c", script],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=180,
        env={
            "PATH": f"{Path(sys.prefix) / 'bin'}:{os.environ['PATH']}",
            "HOME": str(folder),
            "LANG": "C.UTF-8",
        },
    )


def stop(process):
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C
    output, _ = process.communicate(timeout=30)
    return output


@pytest.mark.skipif(
    not (shutil.which("make") and shutil.which("git")), reason="needs make and git"
)
def test_make_demo_as_a_newcomer_meets_it(tmp_path):
    copy_of_the_project(tmp_path)
    port = free_port()
    first = run_demo(tmp_path, port)
    try:
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/no-such-page/")
        assert missing.value.code == 404
        page = missing.value.read().decode()
        assert "页面不存在" in page and "Traceback" not in page
        assert "URLconf" not in page  # Django's debug 404 lists every pattern
        quickstart = run_quickstart(tmp_path, port)
        assert quickstart.returncode == 0, quickstart.stdout + quickstart.stderr
        assert re.search(r"#4 filing\.approved", quickstart.stdout), quickstart.stdout
        assert '"decided": true, "events": 4' in quickstart.stdout
    finally:
        output = stop(first)
    # what the terminal shows before Ctrl-C (after it, make says "Interrupt")
    lines = [line for line in output.splitlines() if not line.startswith("make: ***")]
    while lines and not lines[-1].strip():
        lines.pop()
    assert len(lines) <= ONE_SCREEN, output
    assert "INFO" not in output and "Starting" not in output
    key = (tmp_path / ".demo-api-key").read_text().strip()
    assert lines[-2].strip() == key and lines[-1].lstrip().startswith("curl ")
    assert "Idempotency-Key" in lines[-1]
    again = stop(run_demo(tmp_path, port))
    assert key in again and (tmp_path / ".demo-api-key").read_text().strip() == key
    assert "log lines" in again and (tmp_path / "demo.log").stat().st_size > 0
