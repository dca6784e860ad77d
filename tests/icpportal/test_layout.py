"""The layout holds: each app imports only from the floors below it, and no module's
imports (function-level ones included) go round in a circle.

Floors, bottom up (the manual, "Architecture"):
0. infra: what knows nothing of filings (request context, SQL helpers, Beijing time,
   rates, middleware)
1. filings: the records and their rules
2. verification: the engine; integrations: API keys and webhooks
3. one app per kind of user, none importing another: portal, console, demo, api,
   gateways (the SMS vendors)
4. icpportal: settings and URLs, wiring the apps together
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FLOORS = {
    "infra": 0,
    "filings": 1,
    "verification": 2,
    "portal": 3,
    "console": 3,
    "demo": 3,
    "integrations": 2,
    "api": 3,
    "gateways": 3,
    "icpportal": 4,
}


def imports_of(source, module):
    """Every module `source` imports, at any depth (inside functions and classes
    too), as dotted names; relative imports are resolved against `module`."""
    found = set()
    package = module if module.endswith(".__init__") else module.rpartition(".")[0]
    package = package.removesuffix(".__init__")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = (
                    package.rsplit(".", node.level - 1)[0]
                    if node.level > 1
                    else package
                )
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module
            found.add(target)
            # `from verification import codes` imports the module verification.codes
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def project_modules():
    """{dotted module name: path} for every Python file of every app."""
    modules = {}
    for app in FLOORS:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path
    return modules


MODULES = project_modules()


def graph():
    """{module: modules of this project it imports}."""
    edges = {}
    for name, path in MODULES.items():
        imported = imports_of(path.read_text(encoding="utf-8"), _qualified(name, path))
        edges[name] = {target for target in imported if target in MODULES} - {name}
    return edges


def _qualified(name, path):
    return f"{name}.__init__" if path.name == "__init__.py" else name


def app_of(module):
    return module.split(".")[0]


def test_the_parser_sees_imports_inside_functions_and_relative_ones():
    source = (
        "import os\n"
        "from filings import policies\n"
        "def later():\n"
        "    from verification.codes import issue_code\n"
        "class Thing:\n"
        "    def method(self):\n"
        "        import demo.views\n"
        "from . import forms\n"
        "from .sms import base\n"
    )
    found = imports_of(source, "portal.views")
    assert {
        "os",
        "filings.policies",
        "verification.codes",
        "demo.views",
        "portal.forms",
        "portal.sms.base",
    } <= found


def test_every_app_has_a_floor():
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert apps - set(FLOORS) == set(), (
        "place the new app in FLOORS and docs/architecture.md"
    )
    assert {"filings", "verification", "portal"} <= {app_of(m) for m in MODULES}


def floor_violations(edges):
    """Edges from one app to an app on its own floor or above."""
    return sorted(
        f"{module} imports {target} (floor {FLOORS[app_of(target)]} from floor "
        f"{FLOORS[app_of(module)]})"
        for module, targets in edges.items()
        for target in targets
        if app_of(target) != app_of(module)
        and FLOORS[app_of(target)] >= FLOORS[app_of(module)]
    )


def cycles(edges):
    """Every circle found by a depth-first walk, as [a, b, ..., a]."""
    state, path, found = {}, [], []

    def visit(module):
        state[module] = "open"
        path.append(module)
        for target in sorted(edges.get(module, ())):
            if state.get(target) == "open":
                found.append(path[path.index(target) :] + [target])
            elif target not in state:
                visit(target)
        path.pop()
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module)
    return found


def test_apps_import_only_from_floors_below():
    assert floor_violations(graph()) == []


DOORS = {app for app, floor in FLOORS.items() if floor == 3}
# The one public entrance for filing moves (verification.moves): doors never reach
# past it to the bare filing moves, which skip the engine's part of a move.
BEHIND_THE_ENTRANCE = {"filings.transitions"}


def entrance_violations(edges):
    """Door modules that import a module behind the entrance."""
    return sorted(
        f"{module} imports {target}; call verification.moves"
        for module, targets in edges.items()
        for target in targets & BEHIND_THE_ENTRANCE
        if app_of(module) in DOORS
    )


def test_doors_use_the_one_entrance_for_filing_moves():
    assert entrance_violations(graph()) == []


def test_a_door_reaching_past_the_entrance_is_caught():
    edges = graph()
    edges["console.overrides"] = edges["console.overrides"] | {"filings.transitions"}
    assert entrance_violations(edges) == [
        "console.overrides imports filings.transitions; call verification.moves"
    ]


def test_no_import_cycle():
    assert cycles(graph()) == []


@pytest.mark.parametrize(
    "module, target",
    [
        ("filings.transitions", "verification.models"),
        ("verification.actions", "console.overrides"),
        ("portal.views", "demo.views"),
        ("console.admin.filings", "portal.forms"),
    ],
)
def test_an_upward_or_sideways_import_is_caught(module, target):
    edges = graph()
    edges[module] = edges[module] | {target}
    assert floor_violations(edges) == [
        f"{module} imports {target} (floor {FLOORS[app_of(target)]} from floor "
        f"{FLOORS[app_of(module)]})"
    ]


def test_a_cycle_inside_an_app_is_caught():
    edges = graph()
    assert "verification.codes" in edges["verification.actions"]
    edges["verification.codes"] = edges["verification.codes"] | {"verification.actions"}
    # a cycle is reported from whichever of its modules the walk reached first
    assert any(
        len(cycle) == 3 and set(cycle) == {"verification.actions", "verification.codes"}
        for cycle in cycles(edges)
    )


def admin_pages_outside_the_console(registry):
    """The project's models whose admin page is defined outside the console: the
    console owns every staff page, whichever floor the model lives on."""
    return sorted(
        f"{model._meta.label} by {type(model_admin).__module__}"
        for model, model_admin in registry.items()
        if app_of(model.__module__) in FLOORS
        and not type(model_admin).__module__.startswith("console.")
    )


def test_the_console_owns_every_admin_page():
    from django.contrib import admin

    registry = admin.site._registry
    assert admin_pages_outside_the_console(registry) == []
    # the webhook and key pages are among them, from the console
    labels = {model._meta.label for model in registry}
    assert {"integrations.WebhookEndpoint", "integrations.ApiKey"} <= labels
    assert [p.name for p in ROOT.glob("*/admin.py") if p.parent.name in FLOORS] == []


def test_an_admin_page_defined_by_another_app_is_caught():
    from django.contrib import admin

    from integrations.models import WebhookEndpoint

    class Elsewhere(admin.ModelAdmin):
        pass

    Elsewhere.__module__ = "api.admin"
    registry = dict(admin.site._registry)
    registry[WebhookEndpoint] = Elsewhere(WebhookEndpoint, admin.site)
    assert admin_pages_outside_the_console(registry) == [
        "integrations.WebhookEndpoint by api.admin"
    ]


def doors_in_template_context(processors):
    """Context processors a door supplies: another door's templates would read them."""
    return [path for path in processors if app_of(path) in DOORS]


def test_no_door_supplies_the_templates_context():
    from django.conf import settings

    processors = settings.TEMPLATES[0]["OPTIONS"]["context_processors"]
    assert doors_in_template_context(processors) == []
    assert "icpportal.context_processors.demo" in processors
    assert doors_in_template_context(["demo.context_processors.demo"]) == [
        "demo.context_processors.demo"
    ]
