"""Every setting that icpportal/settings.py reads from the environment is documented
in the manual's settings page (docs/settings.md), as a code span: `NAME`.

The settings module is read, not imported: its source is parsed and every read of the
environment collected, in each form it uses (django-environ's `env(...)`,
`env.bool(...)`, `env.str(...)`, `env.int(...)`, `env.float(...)`, `env.list(...)`,
`env.path(...)`, `env.db(...)`, `env.cache(...)` and the rest of its casts) and the
standard library's (`os.environ[...]`, `os.environ.get(...)`, `os.getenv(...)`).
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "icpportal" / "settings.py"
PAGE = ROOT / "docs" / "settings.md"

# django-environ's methods that read no variable.
NOT_READS = {"read_env", "parse_value", "get_value", "escape_proxy", "smart_cast"}


def env_objects(tree):
    """The names bound to a django-environ reader (`env = environ.Env()`)."""
    names = {"env"}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            func = node.value.func
            called = func.attr if isinstance(func, ast.Attribute) else None
            if isinstance(func, ast.Name):
                called = func.id
            if called == "Env":
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def is_os_environ(node):
    """`os.environ`."""
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def reads_environment(call, readers):
    """Whether `call` reads one environment variable, named by its first argument."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id in readers  # env("NAME", ...)
    if not isinstance(func, ast.Attribute):
        return False
    if isinstance(func.value, ast.Name) and func.value.id in readers:
        return func.attr not in NOT_READS  # env.bool("NAME"), env.db("NAME"), ...
    if is_os_environ(func.value):
        return func.attr in {"get", "setdefault", "pop"}  # os.environ.get("NAME")
    return (
        func.attr == "getenv"
        and isinstance(func.value, ast.Name)
        and func.value.id == "os"
    )  # os.getenv("NAME")


def first_string(call):
    """The variable's name: the call's first argument (or `var=`), if a literal."""
    args = list(call.args) + [k.value for k in call.keywords if k.arg == "var"]
    if args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
        return args[0].value
    return None


def settings_read(source):
    """Every environment variable that `source` (a settings module) reads."""
    tree = ast.parse(source)
    readers = env_objects(tree)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and reads_environment(node, readers):
            name = first_string(node)
            if name:
                found.add(name)
        # os.environ["NAME"]
        elif isinstance(node, ast.Subscript) and is_os_environ(node.value):
            key = node.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                found.add(key.value)
    return found


def documented(page_text):
    """The code spans of the settings page."""
    return set(re.findall(r"`([^`\n]+)`", page_text))


def missing_from(names, page_text):
    """The names that the page does not show as a code span of their own."""
    return set(names) - documented(page_text)


def test_the_parser_finds_the_settings():
    names = settings_read(SETTINGS.read_text(encoding="utf-8"))
    assert {"DATABASE_URL", "SECRET_KEY", "DEBUG", "CACHE_URL"} <= names
    assert {"ALLOWED_HOSTS", "STATIC_ROOT", "WEBHOOK_TIMEOUT_SECONDS"} <= names
    assert len(names) >= 50, sorted(names)


def test_the_parser_knows_every_form():
    source = """
import os
import environ
reader = environ.Env()
environ.Env.read_env("x/.env", overwrite=False)
A = reader("FORM_CALL", default="")
B = reader.bool("FORM_BOOL", default=False)
C = reader.db("FORM_DB", default="sqlite://")
D = reader.list(var="FORM_KEYWORD", default=[])
E = os.environ["FORM_SUBSCRIPT"]
F = os.environ.get("FORM_GET")
G = os.getenv("FORM_GETENV", "x")
H = env.float("FORM_DEFAULT_NAME", default=1.0)
"""
    assert settings_read(source) == {
        "FORM_CALL",
        "FORM_BOOL",
        "FORM_DB",
        "FORM_KEYWORD",
        "FORM_SUBSCRIPT",
        "FORM_GET",
        "FORM_GETENV",
        "FORM_DEFAULT_NAME",
    }


def test_every_setting_is_documented():
    names = settings_read(SETTINGS.read_text(encoding="utf-8"))
    missing = missing_from(names, PAGE.read_text(encoding="utf-8"))
    assert not missing, (
        f"document these in {PAGE.relative_to(ROOT)}: {', '.join(sorted(missing))}"
    )


def test_an_undocumented_setting_is_reported():
    page = PAGE.read_text(encoding="utf-8")
    assert missing_from({"DATABASE_URL", "NOT_A_SETTING_OF_OURS"}, page) == {
        "NOT_A_SETTING_OF_OURS"
    }
    # A name in plain text, outside a code span, does not count.
    assert missing_from({"SOME_NAME"}, "SOME_NAME is mentioned.") == {"SOME_NAME"}
