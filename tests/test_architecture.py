"""The shape of the code (docs/ARCHITECTURE.md): imports only point down, no import cycle, no module
over 800 lines, features meet only through their ``api.py``, and use cases return data, not text.

Read with ``ast`` (imports inside functions count: a lazy import is still a dependency; those under
``if TYPE_CHECKING:`` do not).
"""
from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 800

# Layers, bottom (1) to top (5): a module imports its own layer or lower ones. The longest prefix wins.
LAYERS = {
    # 1 — storage, integrations and plain helpers, which know nothing of use cases
    "models": 1, "integrations": 1, "plugin.i18n": 1, "plugin.dates": 1, "plugin.config": 1, "plugin.security": 1,
    "plugin.logging_setup": 1, "plugin.exports": 1, "plugin.metrics": 1,
    # 2 — what features build on: the kernel, the command grammar engine, shared rendering, the outbox
    # worker and its generic deliverers, shared schema fields, the people directory
    "plugin.kernel": 2, "plugin.commands": 2, "plugin.rendering": 2, "plugin.delivery": 2, "plugin.schemas": 2,
    "plugin.directory": 2,
    # 3 — features
    "plugin.features": 3,
    # 4 — the front door: the runner, the entry adapters, the registry of every feature
    "plugin.frontdoor": 4,
    # 5 — ways in: the app, HTTP blueprints, web pages, the CLI; and the migrations, scripts that Alembic
    # runs with the whole application importable (a data migration may use domain code)
    "plugin.app": 5, "plugin.web": 5, "plugin.cli": 5, "plugin.wsgi": 5, "plugin.runtime": 5, "plugin.manifest": 5,
    "models.migrations": 5,
}

# Where a feature's domain lives (what use cases run): it returns data and events, never text. Text and
# transport live at the edges: render.py, delivery.py, jobs.py, cli.py, buttons.py, grammar.py, and
# schemas.py (validation messages, translated when raised, in the reader's language).
EDGES = {"render", "delivery", "jobs", "cli", "buttons", "grammar", "schemas", "__init__"}
NOT_IN_DOMAIN = ("flask", "integrations.mattermost", "plugin.commands", "plugin.delivery", "plugin.frontdoor",
                 "plugin.web", "plugin.rendering", "plugin.cli")
TEXT_FUNCTIONS = {"_", "gettext", "ngettext", "escape_markdown", "translate"}

# Modules allowed over MAX_LINES for now, each with the work that shortens it.
LONG: dict[str, str] = {}


@lru_cache(maxsize=1)
def modules() -> dict[str, Path]:
    found = {}
    for top in ("plugin", "models", "integrations"):
        for path in (ROOT / top).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _resolve(name: str) -> str | None:
    known = modules()
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def _type_checking_only(tree: ast.Module) -> set[int]:
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(inner) for stmt in node.body for inner in ast.walk(stmt)}
    return skipped


@lru_cache(maxsize=None)
def imports(module: str) -> dict[str, set[str]]:
    """What ``module`` imports: {imported module (or outside package): names taken from it}."""
    path = modules()[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_only(tree)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.setdefault(_resolve(alias.name) or alias.name, set())
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            for alias in node.names:
                target = f"{base}.{alias.name}"
                name = target if target in modules() else (_resolve(base) or base)
                found.setdefault(name, set()).add(alias.name)
    found.pop(module, None)
    return found


def layer(module: str) -> int | None:
    best = None
    for prefix, level in LAYERS.items():
        if module == prefix or module.startswith(prefix + "."):
            if best is None or len(prefix) > len(best[0]):
                best = (prefix, level)
    return best[1] if best else None


def internal_imports(module: str) -> set[str]:
    return {name for name in imports(module) if name in modules()}


def test_every_module_has_a_layer():
    unplaced = sorted(m for m in modules() if m != "plugin" and layer(m) is None)
    assert not unplaced, f"place these modules in a layer (tests/test_architecture.py): {unplaced}"


def test_imports_only_point_down():
    upward = [f"{m} (layer {layer(m)}) imports {d} (layer {layer(d)})"
              for m in sorted(modules()) if m != "plugin"
              for d in sorted(internal_imports(m)) if d != "plugin" and layer(d) > layer(m)]
    assert not upward, "\n".join(upward)


def _cycles() -> list[list[str]]:
    graph = {m: internal_imports(m) for m in modules()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return cycles


def test_no_import_cycle():
    assert not _cycles(), _cycles()


def test_no_module_over_800_lines():
    long = {m: n for m, path in modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES and m not in LONG}
    assert not long, f"split these along their seams: {long}"
    still = {m for m in LONG if len(modules()[m].read_text(encoding="utf-8").splitlines()) > MAX_LINES} \
        if all(m in modules() for m in LONG) else set()
    assert still == set(LONG) or not LONG, f"shorter now: remove from LONG {set(LONG) - still}"


def test_features_meet_only_through_their_api():
    crossing = []
    for module in modules():
        if not module.startswith("plugin.features."):
            continue
        own = module.split(".")[2]
        for name in internal_imports(module):
            parts = name.split(".")
            if name.startswith("plugin.features.") and parts[2] != own and parts[3:4] != ["api"]:
                crossing.append(f"{module} -> {name}")
    assert not crossing, "\n".join(crossing)


def _domain_modules() -> list[str]:
    return sorted(m for m in modules() if m.startswith("plugin.features.") and m.count(".") >= 3
                  and m.rsplit(".", 1)[1] not in EDGES)


def _renders_text(module: str) -> list[str]:
    found = []
    for name, taken in imports(module).items():
        if any(name == banned or name.startswith(banned + ".") for banned in NOT_IN_DOMAIN):
            found.append(name)
        found += sorted(f"{name}.{t}" for t in taken & TEXT_FUNCTIONS)
    return found


def test_use_cases_return_data_not_text():
    offenders = {m: _renders_text(m) for m in _domain_modules()}
    offenders = {m: found for m, found in offenders.items() if found}
    assert not offenders, f"domain code imports rendering or transport: {offenders}"

