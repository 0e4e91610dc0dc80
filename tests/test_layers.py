"""The package's one-way data flow: no lower layer imports a higher one (function-level imports
included), and no module grows past about 500 lines."""

from __future__ import annotations

import ast

from conftest import ROOT

#: Layers, lowest first; a module may import only its own layer and the ones below.
LAYERS = {
    "errors": 0, "numbers": 0, "results": 0, "runtime": 0,
    "data": 1, "params": 1,
    "exact": 2, "frequentist": 2,
    "mcmc": 3,
    "analyses": 4,
    "runs": 5, "calibration": 5,
    "report": 6,
    "api": 7,
    "cli": 8, "__init__": 9, "__main__": 9,
}  # fmt: skip
PACKAGE = ROOT / "bayes_peer"


def _imports(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("bayes_peer")
        ):
            parts = node.module.split(".")
            names = [a.name for a in node.names] if len(parts) == 1 else [parts[1]]
            yield from ((name, node.lineno) for name in names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("bayes_peer."):
                    yield alias.name.split(".")[1], node.lineno


def test_no_lower_layer_imports_a_higher_one():
    violations = []
    for path in sorted(PACKAGE.rglob("*.py")):
        own = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        for name, line in _imports(path):
            if name in LAYERS and LAYERS[name] > LAYERS[own]:
                violations.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert violations == []


def test_every_module_is_in_a_layer_and_small():
    for path in sorted(PACKAGE.rglob("*.py")):
        assert path.relative_to(PACKAGE).parts[0].removesuffix(".py") in LAYERS, path
        lines = len(path.read_text(encoding="utf-8").splitlines())
        limit = 250 if path.parent.name == "cli" else 520
        assert lines <= limit, (path, lines)
