"""The git hooks run the checks `make lint` runs, from the project's virtualenv."""

import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from django.conf import settings

CONFIG = settings.BASE_DIR / ".pre-commit-config.yaml"


def hooks():
    return {
        hook["id"]: hook
        for repo in yaml.safe_load(CONFIG.read_text())["repos"]
        for hook in repo["hooks"]
    }


def test_the_hooks_are_the_lint_checks():
    found = hooks()
    assert set(found) == {"ruff-check", "ruff-format", "mypy"}
    lint = (settings.BASE_DIR / "Makefile").read_text().split("\nlint:", 1)[1]
    lint = lint.split("\n\n", 1)[0]
    for name in ("ruff check", "ruff format --check", "mypy"):
        assert name in lint
    # nothing downloaded: every hook is a local command from the virtualenv
    assert all(hook["language"] == "system" for hook in found.values())
    assert all(".venv/bin/" in hook["entry"] for hook in found.values())


def test_pre_commit_accepts_the_config():
    pre_commit = Path(sys.prefix) / "bin" / "pre-commit"
    assert pre_commit.exists() or shutil.which("pre-commit")
    done = subprocess.run(
        [str(pre_commit), "validate-config", str(CONFIG)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
