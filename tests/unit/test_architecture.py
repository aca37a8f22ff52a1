"""The house's layout, checked: every module imports on its own, and imports point one way.

Feature packages (one blueprint each) read from the shared modules below them (`pulse.models`,
`pulse.content`, `pulse.invitations`, `pulse.figures`, `pulse.forms`, ...) and from each other's
plain functions, never from another feature's `routes`, `queries` or `views`. Only `wsgi.py` and
the test and bench harnesses build the app from `pulse/__init__.py` (README, "Layout").
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "pulse"
#: The blueprint packages, including those still to come.
FEATURES = {
    "about",
    "admin",
    "api",
    "auth",
    "cards",
    "governance",
    "home",
    "med",
    "pwa",
    "results",
    "survey",
}
#: A feature's own entry points: nobody outside the feature imports them.
PRIVATE = {"routes", "queries", "views"}
#: What `from pulse import x` may name without touching `pulse/__init__.py`: its modules and
#: sub-packages (`from pulse import models`). Anything else (create_app, ROOT) is the factory's.
SUBMODULES = {p.stem for p in PACKAGE.glob("*.py")} | {
    p.parent.name for p in PACKAGE.glob("*/__init__.py")
}
#: Code that may build the app: the WSGI entry point and the harnesses around the product.
MAY_BUILD_APP = ("wsgi.py", "tests/", "bench/")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def pulse_modules() -> list[str]:
    return sorted(module_name(p) for p in PACKAGE.rglob("*.py"))


@dataclass(frozen=True)
class Import:
    source: Path
    line: int
    module: str  # the absolute module imported from
    names: tuple[str, ...]  # what was taken from it ("" for a plain `import x`)


def imports_of(path: Path, source: str | None = None) -> list[Import]:
    tree = ast.parse(path.read_text("utf-8") if source is None else source, str(path))
    package = module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(path, node.lineno, alias.name, ("",)) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, module] if module else base)
            names = tuple(alias.name for alias in node.names)
            found.append(Import(path, node.lineno, module, names))
    return found


def targets(imp: Import) -> list[str]:
    """Every module an import may name: `from a import b` is `a`, or `a.b` if b is a module."""
    return [imp.module, *(f"{imp.module}.{name}" for name in imp.names if name)]


def feature_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "pulse" and parts[1] in FEATURES else None


def private_module(module: str) -> str | None:
    """The feature whose routes/queries/views `module` is, if it is one."""
    parts = module.split(".")
    if len(parts) >= 3 and feature_of(module) and parts[2] in PRIVATE:
        return parts[1]
    return None


def layering_violations(files: list[Path], source: str | None = None) -> list[str]:
    problems = []
    for path in files:
        own = feature_of(module_name(path)) if path.is_relative_to(PACKAGE) else None
        for imp in imports_of(path, source):
            for target in targets(imp):
                owner = private_module(target)
                if owner is not None and owner != own:
                    problems.append(
                        f"{path.relative_to(ROOT)}:{imp.line} imports {target} "
                        "(another feature's routes/queries/views)"
                    )
    return problems


def factory_violations(files: list[Path], source: str | None = None) -> list[str]:
    problems = []
    for path in files:
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(MAY_BUILD_APP):
            continue
        for imp in imports_of(path, source):
            if imp.module == "pulse" and set(imp.names) - SUBMODULES:
                problems.append(f"{relative}:{imp.line} imports from pulse/__init__.py")
    return problems


def product_files() -> list[Path]:
    extra = [p for d in ("tools", "migrations") for p in (ROOT / d).rglob("*.py")]
    return [*PACKAGE.rglob("*.py"), *extra]


def test_no_feature_imports_another_features_routes_queries_or_views():
    assert layering_violations(product_files()) == []


def test_only_wsgi_and_harnesses_import_the_app_factory():
    assert factory_violations(product_files()) == []


def test_survey_and_results_do_not_import_each_other():
    pairs = {("survey", "results"), ("results", "survey")}
    problems = [
        f"{path.relative_to(ROOT)}:{imp.line} imports {imp.module}"
        for path in PACKAGE.rglob("*.py")
        for imp in imports_of(path)
        if (feature_of(module_name(path)), feature_of(imp.module)) in pairs
    ]
    assert problems == []


def test_email_does_not_reach_into_the_survey():
    email = PACKAGE / "notify" / "email.py"
    assert not [i for i in imports_of(email) if i.module.startswith("pulse.survey")]


# The checks above must catch what they are meant to catch.
@pytest.mark.parametrize(
    ("relative", "source", "caught"),
    [
        ("pulse/results/routes.py", "from pulse.survey.queries import x", True),
        ("pulse/results/routes.py", "from pulse.survey import routes", True),
        ("pulse/notify/email.py", "import pulse.survey.views", True),
        ("pulse/survey/routes.py", "from pulse.survey.queries import x", False),
        ("pulse/survey/__init__.py", "from . import routes", False),
        ("pulse/home/routes.py", "from ..survey.queries import x", True),
        ("pulse/home/routes.py", "from pulse.survey.service import x", False),
    ],
)
def test_layering_check_catches_what_it_should(relative, source, caught):
    assert bool(layering_violations([ROOT / relative], source)) is caught


@pytest.mark.parametrize(
    ("relative", "source", "caught"),
    [
        ("pulse/pwa/routes.py", "from pulse import ROOT", True),
        ("pulse/cli.py", "from pulse import create_app", True),
        ("pulse/cli.py", "import pulse", True),
        ("pulse/cli.py", "from pulse import models", False),
        ("wsgi.py", "from pulse import create_app", False),
        ("tests/conftest.py", "from pulse import create_app", False),
    ],
)
def test_factory_check_catches_what_it_should(relative, source, caught):
    assert bool(factory_violations([ROOT / relative], source)) is caught


# Every module on its own, each in a fresh process: a circular import that only works in one
# order shows up here. One interpreter loads the libraries they use once (none of ours) and
# forks a child per module, which keeps this to seconds.
ISOLATED_IMPORTS = r"""
import importlib, os, sys
ours, libraries = sys.argv[1].split(), sys.argv[2].split()
for name in libraries:
    try:
        importlib.import_module(name)
    except ImportError:
        pass
running, failed = {}, []
def reap():
    pid, status = os.wait()
    if status != 0:
        failed.append(running[pid])
    del running[pid]
for name in ours:
    if len(running) >= (os.cpu_count() or 1):
        reap()
    pid = os.fork()
    if pid == 0:
        try:
            importlib.import_module(name)
        except BaseException as error:  # noqa: BLE001
            print(f"{name}: {type(error).__name__}: {error}", file=sys.stderr)
            os._exit(1)
        os._exit(0)
    running[pid] = name
while running:
    reap()
print(" ".join(failed))
sys.exit(1 if failed else 0)
"""


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
def test_every_pulse_module_imports_on_its_own():
    modules = pulse_modules()
    assert "pulse.home.routes" in modules and len(modules) > 40
    libraries = {
        imp.module
        for path in PACKAGE.rglob("*.py")
        for imp in imports_of(path)
        if imp.module.partition(".")[0] not in {"pulse", "__future__"}
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and module names
        [sys.executable, "-c", ISOLATED_IMPORTS, " ".join(modules), " ".join(sorted(libraries))],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
