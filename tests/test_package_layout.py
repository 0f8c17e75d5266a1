"""The library's layout shows its concerns, and imports go one way: the core (distill_core's top-level modules)
never imports what the pages teach (distill_core.lessons) nor TinyBERT's other losses (distill_core.tinybert);
the command line (cli.py) is an entry point over all of them, as the pages are."""
import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "distill_core"
CONCERNS = ("lessons", "evaluation", "tinybert")
ENTRY_POINTS = {"cli.py", "__main__.py"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            base = node.module if node.level == 0 else "distill_core." + node.module
            names.add(base)
            names.update(f"{base}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_each_concern_has_its_own_place():
    for concern in CONCERNS:
        assert (PKG / concern / "__init__.py").is_file(), concern
    flat = sorted(p.name for p in PKG.glob("*.py"))
    assert len(flat) <= 26, flat  # the core alone at the top


def test_the_core_never_imports_lessons_or_tinybert():
    for path in PKG.glob("*.py"):
        if path.name in ENTRY_POINTS:
            continue
        bad = {m for m in imported_modules(path) if m.startswith(("distill_core.lessons", "distill_core.tinybert"))}
        assert not bad, f"{path.name} imports {sorted(bad)}"


def test_no_streamlit_in_the_library():
    for path in PKG.rglob("*.py"):
        assert not any(m.split(".")[0] == "streamlit" for m in imported_modules(path)), path
