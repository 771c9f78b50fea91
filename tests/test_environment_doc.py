"""The man page's ENVIRONMENT section names every environment variable gitml reads.

The reads are found in gitml's syntax trees: ``os.environ[...]``, ``os.environ.get(...)``,
``os.getenv(...)`` and ``env.get(...)``/``env[...]`` on an environment mapping passed
around, with the name written there, held in a module constant (``APPROVALS_ENV``,
``ENV_SPOOL``), in a table of variables (``LOGIN_VARS``, ``DEFAULT_ENV_ALLOWLIST``) or in a
loop over a literal list of names.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GITML = ROOT / "gitml"
MAN = ROOT / "man" / "git-ml.1"
NAME = re.compile(r"[A-Z][A-Z0-9_]+")
TABLE = re.compile(r"^ENV_|_ENV$|_VARS$|_ENV_ALLOWLIST$")
INLINE_BOLD = re.compile(r"\\fB([A-Z][A-Z0-9_]+)\\f")


def _names(node: ast.AST) -> set[str]:
    """Environment variable names spelled in ``node`` (upper-case string constants)."""
    return {
        n.value
        for n in ast.walk(node)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and NAME.fullmatch(n.value)
    }


def _is_environment(node: ast.AST) -> bool:
    """``os.environ``, ``environ``, ``env``, ``self.env``, ``environment``..."""
    text = ast.unparse(node).lower()
    return text.rsplit(".", 1)[-1].startswith("env")


def _key(node: ast.AST, constants: dict[str, set[str]]) -> set[str]:
    if isinstance(node, ast.Name) and node.id in constants:
        return constants[node.id]
    return _names(node) if isinstance(node, ast.Constant) else set()


def reads(source: str) -> set[str]:
    """The environment variables one module reads."""
    tree = ast.parse(source)
    constants: dict[str, set[str]] = {}
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and node.value is not None:
                    constants[target.id] = _names(node.value)
                    if TABLE.search(target.id):
                        found |= constants[target.id]
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            env_get = isinstance(func, ast.Attribute) and func.attr == "get"
            if (env_get and _is_environment(func.value)) or ast.unparse(func) == "os.getenv":
                found |= _key(node.args[0], constants)
        elif isinstance(node, ast.Subscript) and _is_environment(node.value):
            found |= _key(node.slice, constants)
        elif isinstance(node, ast.For) and isinstance(node.iter, ast.Tuple | ast.List):
            body = ast.unparse(ast.Module(body=node.body, type_ignores=[]))
            found |= _looped(node.target, node.iter, body)
        elif isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            for loop in node.generators:
                if isinstance(loop.iter, ast.Tuple | ast.List):
                    found |= _looped(loop.target, loop.iter, ast.unparse(node))
    return found


def _looped(target: ast.AST, names: ast.AST, body: str) -> set[str]:
    """The names of a loop (or comprehension) over a literal list that reads ``env[v]``."""
    loop_var = re.escape(ast.unparse(target))
    return _names(names) if re.search(rf"env\w*(\.get\(|\[){loop_var}\b", body) else set()


def code_reads() -> set[str]:
    return {
        name
        for path in GITML.rglob("*.py")
        if "demo/project" not in path.as_posix() and path.name != "_spec.py"
        for name in reads(path.read_text("utf-8"))
    }


def documented() -> set[str]:
    """The variables in bold (``.B NAME``, ``.BR A ", " B``, ``\\fBNAME\\fR``) in ENVIRONMENT."""
    text = MAN.read_text("utf-8")
    section = text.split("\n.SH ENVIRONMENT\n", 1)[1].split("\n.SH ", 1)[0]
    found = set(INLINE_BOLD.findall(section))
    for line in section.splitlines():
        if line.startswith((".B ", ".BR ")):
            found |= set(NAME.findall(re.sub(r'"[^"]*"', "", line.split(" ", 1)[1])))
    return found


def test_the_detector_finds_each_kind_of_read() -> None:
    source = (
        'import os\nAPPROVALS_ENV = "A_B"\nLOGIN_VARS = (("C_D", "x"),)\n'
        'def f(env):\n    os.environ.get("E_F"); os.environ["G_H"]; os.getenv("I_J")\n'
        '    env.get(APPROVALS_ENV); env["K_L"]\n'
        '    for v in ("M_N", "O_P"):\n        env.get(v)\n'
        '    [env[v] for v in ("Q_R", "S_T") if env.get(v)]\n'
        '    print("NOT_READ")\n'
    )
    assert reads(source) == {
        *("A_B", "C_D", "E_F", "G_H", "I_J", "K_L", "M_N", "O_P", "Q_R", "S_T")
    }


def test_man_page_environment_lists_every_variable_gitml_reads() -> None:
    read = code_reads()
    assert {"GITML_DEBUG", "GITML_FAST_CLI", "GITML_APPROVALS", "GITHUB_ACTOR"} <= read
    assert sorted(read - documented()) == [], "read by gitml, missing from ENVIRONMENT"
    assert sorted(documented() - read) == [], "in ENVIRONMENT, but gitml never reads it"
