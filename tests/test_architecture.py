"""Data flows one way: each library module imports only modules of earlier stages, and the shells
(cli, ui/, evals/) sit on top; the library never imports them."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "journalqa"

# Packages by stage, earlier first; a module may import anything of an earlier stage. The top-level modules
# (types, config, i18n, assistant, feedback, cli) are stages of their own.
ORDER = [
    "__init__", "types", "config", "i18n", "text", "ingest", "index", "search", "answer", "assistant", "feedback",
    "evaluation", "cli",
]  # fmt: skip
# Inside a stage's package, the order of its modules (a subpackage, index/embed, is one module here): a module
# imports only modules listed before it in its own package.
PACKAGES = {
    "text": ["segment", "language", "lexicon"],
    "index": ["chunk", "embed", "store", "sentence_vectors", "nodes", "vectorstores", "build", "manage"],
    "search": ["question", "crosslingual", "retrieve", "rewrite", "seams"],
    "answer": ["verdict", "evidence", "extractive", "verify", "llm", "render"],
    "evaluation": ["gold", "metrics", "runner", "report"],
}
SHELLS = {"cli"}
# inside the ingest package: what every format shares, the layout reader, the cleaning passes (each may use the
# passes before it), OCR, then the source formats (a format may use the passes, never another format's module,
# except the PDF format reading its layout and OCR), then the package's entry points
INGEST = ROOT / "src" / "journalqa" / "ingest"
INGEST_LAYERS = {
    "docfile": -1,  # the corpus folder's own file format, which every format writes and the index reads
    "sanitize": -1,  # the one text sanitizer, used by base's with_source and by any extractor
    "base": 0,
    "pdf_layout": 1,
    "normalize": 2,
    "hyphens": 3,
    "footnotes": 4,
    "headers": 4,
    "structure": 4,
    "ocr": 5,
    "journal": 6,
    "plaintext": 6,
    "markdown": 6,
    "pdf": 7,
    "journal_pdf": 8,  # composes the pdf and journal formats
    "__init__": 9,
}
PASSES = {"normalize", "hyphens", "footnotes", "headers", "structure"}
FORMATS = {"journal", "plaintext", "markdown", "pdf", "journal_pdf"}


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


def _stage(path: Path) -> str:
    """A top-level module is its own stage; a module of a subpackage (ingest/pdf.py) belongs to the package's."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def _library_modules() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts]


def test_every_module_has_a_place_in_the_order():
    stages = {_stage(p) for p in _library_modules()}
    assert stages <= set(ORDER), f"add {sorted(stages - set(ORDER))} to ORDER"


def _package_module(path: Path) -> tuple[str, str] | None:
    """(package, module) for a module of a stage package (index/embed/e5.py -> ("index", "embed")), else None."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return (parts[0], parts[1]) if len(parts) > 1 and parts[0] in PACKAGES else None


def test_each_stage_package_lists_its_modules():
    for package, modules in PACKAGES.items():
        found = {p.with_suffix("").name for p in (PACKAGE / package).glob("*.py")} | {
            p.name for p in (PACKAGE / package).iterdir() if p.is_dir() and (p / "__init__.py").exists()
        }
        assert found - {"__init__"} == set(modules), (
            f"{package}/: place {sorted((found - {'__init__'}) ^ set(modules))}"
        )


def test_modules_import_only_earlier_modules_of_their_package():
    for path in _library_modules():
        placed = _package_module(path)
        if placed is None or placed[1] == "__init__":
            continue
        package, module = placed
        order = PACKAGES[package]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(f"journalqa.{package}."):
                imported = node.module.split(".")[2]
                if imported == module:
                    continue  # inside a subpackage (index/embed)
                assert order.index(imported) < order.index(module), f"{package}/{module} imports later {imported}"


def test_every_module_serves_the_product():
    """Every library module is reached from what ships (the CLI, the UI, ``from journalqa import Assistant``),
    so nothing in src/ is used only by an experiment or a test."""
    modules = {".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__"): p
               for p in _library_modules()}  # fmt: skip

    def imports_of(path: Path) -> set[str]:
        found = set()
        here = list(path.relative_to(path.parents[1] if "ui" in path.parts else PACKAGE.parent).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:  # from .base import ... inside a package
                module = ".".join(here[: -node.level] + ([node.module] if node.module else []))
                found |= {module} | {f"{module}.{a.name}" for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("journalqa"):
                found.add(node.module)
                found |= {f"{node.module}.{a.name}" for a in node.names}
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.startswith("journalqa")}
        # a module import also runs its packages' __init__
        return {".".join(name.split(".")[:k]) for name in found for k in range(1, name.count(".") + 2)} & set(modules)

    # the llama-index seams are a documented Python API (docs/usage.md), not called by the shells themselves
    roots = [PACKAGE / "cli.py", PACKAGE / "assistant.py", PACKAGE / "search" / "seams.py", *(ROOT / "ui").glob("*.py")]
    seen: set[str] = set()
    todo = [m for root in roots for m in imports_of(root)] + [
        "journalqa.cli",
        "journalqa.assistant",
        "journalqa.search.seams",
    ]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(imports_of(modules[name]))
    assert set(modules) - seen == set(), (
        f"not reached from the CLI, the UI or the Assistant: {sorted(set(modules) - seen)}"
    )


def test_ingest_is_one_package_of_formats_and_passes():
    modules = {p.stem for p in INGEST.glob("*.py")}
    assert modules == set(INGEST_LAYERS), f"place {sorted(modules ^ set(INGEST_LAYERS))} in INGEST_LAYERS"
    assert not (PACKAGE / "corpus.py").exists() and not (PACKAGE / "ingestpkg").exists()
    for path in INGEST.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                names = [node.module] if node.module else [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("journalqa.ingest."):
                names = [node.module.split(".")[2]]
            else:
                continue
            for name in names:
                assert name in INGEST_LAYERS, f"ingest/{path.name} imports unknown ingest.{name}"
                if path.stem == "__init__":
                    continue
                assert INGEST_LAYERS[name] < INGEST_LAYERS[path.stem], f"ingest/{path.name} imports later {name}"
                assert not (path.stem in PASSES and name in FORMATS), f"pass {path.stem} imports format {name}"


def test_modules_import_only_earlier_stages():
    position = {name: i for i, name in enumerate(ORDER)}
    for path in _library_modules():
        if path == PACKAGE / "__init__.py":
            continue  # re-exports lazily
        stage = _stage(path)
        for imported in journalqa_imports(path) - {stage}:
            assert imported in position, f"{stage} imports unknown journalqa.{imported}"
            assert imported not in SHELLS, f"{stage} imports the CLI"
            assert position[imported] < position[stage], f"{path.relative_to(PACKAGE)} imports later stage {imported}"


def test_shells_go_through_the_library():
    for folder in ("ui", "evals"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module:
                    assert not node.module.startswith(("faiss", "bm25s")) or path.name.startswith("bench_"), (
                        f"{path} reaches past the library into {node.module}"
                    )
