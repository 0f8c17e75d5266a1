"""2-D layouts: fitted on the teacher, students placed by transform, frames that stay put."""
from __future__ import annotations

import os

import numpy as np
import pytest

from distill_core import token_maps


def clustered(n=300, d=24, k=6, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((k, d)) * 4
    labels = np.arange(n) % k
    return (centres[labels] + rng.standard_normal((n, d))).astype(np.float32), labels


def test_pca_layout_is_the_teachers_top_two_directions():
    X, _ = clustered()
    pca = token_maps.PCALayout(X)
    assert pca.teacher_xy.shape == (300, 2)
    np.testing.assert_allclose(pca.transform(X), pca.teacher_xy, atol=1e-5)
    Xc = X - X.mean(0)
    top = np.linalg.svd(Xc, full_matrices=False)[1][:2] ** 2 / len(X)  # variances along the top-2 directions
    np.testing.assert_allclose(pca.teacher_xy.var(0), top, rtol=1e-3)
    again = token_maps.PCALayout(X.copy())
    np.testing.assert_allclose(again.teacher_xy, pca.teacher_xy, atol=1e-5)  # sign convention: same picture


def test_pca_transform_moves_a_student_only_as_far_as_it_moved():
    X, _ = clustered()
    pca = token_maps.PCALayout(X)
    rng = np.random.default_rng(1)
    near = X + 0.01 * rng.standard_normal(X.shape).astype(np.float32)
    far = X + 1.0 * rng.standard_normal(X.shape).astype(np.float32)
    assert token_maps.median_motion(pca.teacher_xy, pca.transform(X)) == pytest.approx(0.0, abs=1e-6)
    assert token_maps.median_motion(pca.teacher_xy, pca.transform(near)) < 0.01
    assert token_maps.median_motion(pca.teacher_xy, pca.transform(far)) > 0.05


def test_array_key_tells_arrays_apart():
    X, _ = clustered()
    assert token_maps.array_key(X) == token_maps.array_key(X.copy())
    assert token_maps.array_key(X) != token_maps.array_key(X[:-1])
    assert token_maps.array_key(X) != token_maps.array_key(X + 1e-3)


@pytest.mark.skipif(os.environ.get("LAB_TEST_UMAP") != "1",
                    reason="UMAP compiles numba kernels for minutes on a cold machine; set LAB_TEST_UMAP=1")
def test_umap_transform_places_students_in_the_teacher_map():
    X, labels = clustered()
    fitted = token_maps.fitted_umap(X, seed=0)
    assert token_maps.fitted_umap(X.copy(), seed=0) is fitted  # fitted once per process
    near = fitted.transform(X + 0.01)
    assert near.shape == (300, 2)
    assert token_maps.median_motion(fitted.teacher_xy, near) < 0.2  # a near-identical student lands on the teacher
    # clusters stay apart in the map: each point's nearest teacher point shares its label
    d = ((near[:, None] - fitted.teacher_xy[None]) ** 2).sum(-1)
    assert (labels[d.argmin(1)] == labels).mean() > 0.9
