"""What the first page view imports stays light: app.py reaches st.navigation with nothing heavy imported, and Home's
modules pull in neither torch, transformers nor umap (they load in the background afterwards)."""
from __future__ import annotations

import ast
import subprocess
import sys

import numpy as np

from conftest import ROOT

HEAVY = ("torch", "transformers", "umap", "numba")  # (streamlit itself imports plotly)


def test_app_reaches_navigation_before_any_import_of_the_project():
    tree = ast.parse((ROOT / "app.py").read_text())
    before = []
    for node in tree.body:
        if "st.navigation" in ast.unparse(node):
            break
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            before += [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
    else:
        raise AssertionError("app.py never calls st.navigation at its top level")
    assert set(before) <= {"pathlib", "streamlit"}, before


def test_homes_modules_import_nothing_heavy():
    code = ("import sys; import streamlit, distill_core.token_maps, distill_core.lessons.shapes, labui.common, "
            "labui.warmup; print(','.join(m for m in " + repr(HEAVY) + " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"imported at once: {out.stdout.strip()}"


def test_home_page_imports_only_light_modules():
    tree = ast.parse((ROOT / "app_pages" / "home.py").read_text())
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    code = ("import sys; " + "; ".join(f"import {m}" for m in sorted(modules) if m)
            + "; print(','.join(m for m in " + repr(HEAVY[:3]) + " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"Home imports {out.stdout.strip()} before its title"


def test_cosine_distances_for_umap():
    from distill_core.token_maps import cosine_distances

    A = np.array([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
    D = cosine_distances(A, A[:2])
    assert D.shape == (3, 2)
    np.testing.assert_allclose(D[:2], [[0.0, 1.0], [1.0, 0.0]], atol=1e-9)
    assert np.isfinite(D).all()  # a zero vector is at distance 1 from everything, not NaN


def test_numba_cache_folder_outlives_the_server(monkeypatch, tmp_path):
    from distill_core.token_maps import numba_cache_dir

    monkeypatch.delenv("LAB_NUMBA_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert numba_cache_dir() == tmp_path / "distill-lab" / "numba"
    monkeypatch.setenv("LAB_NUMBA_CACHE", str(tmp_path / "x"))
    assert numba_cache_dir() == tmp_path / "x"
