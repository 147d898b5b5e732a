"""Data flows one way: each library module imports only modules of earlier stages, and the shells
(cli, ui/, evals/) sit on top; the library never imports them."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "journalqa"

# earlier stages first; a module may import anything listed before it
ORDER = [
    "__init__", "types", "config", "text", "docfile", "corpus", "ingest", "chunk", "embed", "store",
    "retrieve", "seams", "vectorstores", "rewrite", "answer", "verify", "llm", "render", "indexing", "manage",
    "assistant", "feedback", "evaluate", "evalreport", "cli",
]  # fmt: skip
SHELLS = {"cli"}


def journalqa_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("journalqa"):
            parts = node.module.split(".")
            found |= {parts[1]} if len(parts) > 1 else {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("journalqa.")}
        if isinstance(node, ast.ImportFrom | ast.Import):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            assert not any(n.split(".")[0] in {"ui", "evals", "tests"} for n in names), f"{path.name} imports a shell"
    return found - {"__version__"}


def test_every_module_has_a_place_in_the_order():
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    assert modules <= set(ORDER), f"add {sorted(modules - set(ORDER))} to ORDER"


def test_modules_import_only_earlier_stages():
    position = {name: i for i, name in enumerate(ORDER)}
    for path in PACKAGE.glob("*.py"):
        if path.stem == "__init__":
            continue  # re-exports lazily
        for imported in journalqa_imports(path):
            assert imported in position, f"{path.stem} imports unknown journalqa.{imported}"
            assert imported not in SHELLS, f"{path.stem} imports the CLI"
            assert position[imported] < position[path.stem], f"{path.stem} imports later stage {imported}"


def test_shells_go_through_the_library():
    for folder in ("ui", "evals"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module:
                    assert not node.module.startswith(("faiss", "bm25s")) or path.name.startswith("bench_"), (
                        f"{path} reaches past the library into {node.module}"
                    )
