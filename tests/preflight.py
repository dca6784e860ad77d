"""Said before `make test` runs: what this machine lacks for the browser tests
(Chromium; the CJK fonts their screenshots need) and how many tests that skips, so
a newcomer learns it at the start, not from the summary. `make browsers` installs
both. Exits 0 always: the suite still runs."""

import shutil
import subprocess
import sys
from pathlib import Path

BROWSER_DIRS = ["tests/portal/browser", "tests/console/browser", "tests/demo/browser"]


def chromium_missing():
    return not (Path("/usr/bin/chromium").exists() or shutil.which("chromium"))


def cjk_fonts_missing():
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return True
    found = subprocess.run(
        [fc_list, ":lang=zh"], capture_output=True, text=True, check=False
    )
    return not found.stdout.strip()


def browser_tests():
    """How many browser tests there are (collected, not run)."""
    found = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", *BROWSER_DIRS],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return sum(1 for line in found.splitlines() if "::" in line)


def main():
    if chromium_missing():
        print(
            f"==> Chromium is missing: the {browser_tests()} browser tests will be "
            "skipped. `make browsers` installs it (apt-get, as root)."
        )
    if cjk_fonts_missing():
        print(
            "==> The CJK fonts are missing (fonts-noto-cjk): the browser tests run, "
            "but their screenshots show Chinese as boxes. `make browsers` installs "
            "them."
        )


if __name__ == "__main__":
    main()
