"""What keeps the code readable in one sitting: no app function longer than about a
screen (60 lines), no app module longer than 700 lines. Complexity and argument
counts are ruff's (C901, PLR0913, in make lint); length is checked here."""

import ast

from tests.icpportal.test_layout import MODULES

LONGEST_FUNCTION = 60
LONGEST_MODULE = 700


def app_modules():
    """The apps' own modules, migrations left out (they are generated)."""
    return {name: path for name, path in MODULES.items() if ".migrations." not in name}


def long_functions(modules, longest=LONGEST_FUNCTION):
    """(module:function, lines) for each function longer than `longest` lines."""
    found = []
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                start = min([node.lineno] + [d.lineno for d in node.decorator_list])
                lines = node.end_lineno - start + 1
                if lines > longest:
                    found.append((f"{name}:{node.name}", lines))
    return sorted(found)


def long_modules(modules, longest=LONGEST_MODULE):
    """(module, lines) for each module longer than `longest` lines."""
    found = []
    for name, path in modules.items():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > longest:
            found.append((name, lines))
    return sorted(found)


def test_no_app_function_is_longer_than_a_screen():
    assert long_functions(app_modules()) == []


def test_no_app_module_is_longer_than_700_lines():
    assert long_modules(app_modules()) == []


def test_the_limits_are_measured(tmp_path):
    module = tmp_path / "m.py"
    body = "\n".join(f"    x{i} = {i}" for i in range(70))
    module.write_text(f"def long():\n{body}\n\n\ndef short():\n    return 1\n")
    assert long_functions({"demo.m": module}) == [("demo.m:long", 71)]
    assert long_modules({"demo.m": module}, longest=50) == [("demo.m", 75)]
    assert len(app_modules()) > 100
