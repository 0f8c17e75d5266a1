"""Teacher loading: bundled, local folders, and every bad teacher ends in one clear sentence."""
import shutil

import pytest
import torch

from distill_core.errors import DistillError
from distill_core.teacher import load_teacher, resolve_source


def test_bundled_teacher_is_real_and_frozen(bundled_teacher):
    t = bundled_teacher
    assert t.hidden_size == 384 and t.vocab_size == 30522
    assert type(t.model).__name__ == "BertModel" and not t.model.training
    assert not any(p.requires_grad for p in t.model.parameters())
    assert t.tokenizer.tokenize("hello world") == ["hello", "world"]
    assert load_teacher("bundled", "cpu") is t  # once per process


def test_local_folder_loads(tiny_teacher_dir):
    t = load_teacher(str(tiny_teacher_dir), "cpu")
    assert t.hidden_size == 32 and not t.model.training


def test_missing_folder(tmp_path):
    with pytest.raises(DistillError, match="does not exist"):
        load_teacher(str(tmp_path / "nope"), "cpu")


def test_folder_without_safetensors_is_refused(tiny_teacher_dir, tmp_path):
    folder = tmp_path / "pickle_only"
    shutil.copytree(tiny_teacher_dir, folder)
    state = torch.load  # noqa: F841 - the pickle is written, never read
    (folder / "model.safetensors").unlink()
    torch.save({"x": torch.zeros(1)}, folder / "pytorch_model.bin")
    with pytest.raises(DistillError, match="no .safetensors weights: only safetensors are loaded"):
        load_teacher(str(folder), "cpu")


def test_model_that_is_not_bert_like(tmp_path):
    from transformers import GPT2Config, GPT2Model

    folder = tmp_path / "gpt2"
    GPT2Model(GPT2Config(n_embd=16, n_layer=1, n_head=2, vocab_size=50, n_positions=16)).save_pretrained(folder)
    with pytest.raises(DistillError, match="not BERT-like"):
        load_teacher(str(folder), "cpu")


def test_file_instead_of_folder(tmp_path):
    f = tmp_path / "model.txt"
    f.write_text("x")
    with pytest.raises(DistillError, match="is a file, not a folder"):
        load_teacher(str(f), "cpu")


@pytest.mark.parametrize("bad", ["../../etc/passwd", "org/../../x", "a b c", "org/name/extra"])
def test_bad_hub_ids_and_traversal(bad):
    with pytest.raises(DistillError):
        load_teacher(bad, "cpu")


def test_hub_id_path_is_kept_for_users_who_have_it():
    target, name, is_local = resolve_source("bert-base-uncased")
    assert (target, name, is_local) == ("bert-base-uncased", "bert-base-uncased", False)
