"""The manual's sandbox quickstart runs as written against a running site: its shell
block is run with bash, the example receiver checks every signature and the order,
and the filing ends approved. The key is made by the block's own `create_api_key`
command, run in this process (a separate process would not see the test database)."""

import io
import re
import shlex
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "sandbox.md"


def quickstart_block():
    text = PAGE.read_text(encoding="utf-8")
    section = text.split("## Quickstart", 1)[1]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_the_quickstart_runs_as_written(live_server, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    block = quickstart_block()
    key_line = re.search(r"^KEY=\$\((.*?) \| tail -n 1\)$", block, re.M)
    command = shlex.split(key_line.group(1))
    assert command[:2] == ["python", "manage.py"] or "manage.py" in command
    arguments = command[command.index("manage.py") + 1 :]
    out = io.StringIO()
    call_command(*arguments, stdout=out)
    key = out.getvalue().splitlines()[-1]
    assert key.startswith("icp_test_")

    port = str(free_port())
    script = (
        block.replace(key_line.group(0), f"KEY={key}")
        .replace("SITE=http://127.0.0.1:8000", f"SITE={live_server.url}")
        .replace("8765", port)
    )
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(ROOT),
    }
    run = subprocess.run(
        [shutil.which("bash"), "-e", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert re.search(r"#4 filing\.approved", run.stdout), run.stdout
    assert '"decided": true, "events": 4' in run.stdout
    assert '"approved": 1' in run.stdout  # the advance's own answer
