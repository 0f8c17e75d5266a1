"""Shared by the CPU-heavy tests (teaching pages, downstream, TinyBERT losses): one CPU thread while they run (faster on small, busy machines)."""
import pytest
import torch


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    # Small matrices: two threads contend more than they help on a loaded 2-core machine. Restored after.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
