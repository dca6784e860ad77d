"""`make test` says at the start what the machine lacks for the browser tests."""

from tests import preflight


def test_a_missing_chromium_is_said_with_the_count_of_skipped_tests(
    monkeypatch, capsys
):
    monkeypatch.setattr(preflight, "chromium_missing", lambda: True)
    monkeypatch.setattr(preflight, "cjk_fonts_missing", lambda: False)
    monkeypatch.setattr(preflight, "browser_tests", lambda: 39)
    preflight.main()
    assert capsys.readouterr().out == (
        "==> Chromium is missing: the 39 browser tests will be skipped. "
        "`make browsers` installs it (apt-get, as root).\n"
    )


def test_nothing_is_said_when_nothing_is_missing(monkeypatch, capsys):
    monkeypatch.setattr(preflight, "chromium_missing", lambda: False)
    monkeypatch.setattr(preflight, "cjk_fonts_missing", lambda: False)
    preflight.main()
    assert capsys.readouterr().out == ""


def test_the_browser_tests_are_counted():
    assert preflight.browser_tests() >= 30
