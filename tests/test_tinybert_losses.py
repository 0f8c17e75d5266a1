"""Hidden-state and attention losses against hand-written references; the layer map; the projection toggle."""
import pytest
import torch
from transformers import AutoModel

from distill_core.errors import DistillError
from distill_core.tinybert.trainer import TinyBertConfig, TinyBertTrainer, make_tinybert_student
from distill_core.params import projection_parameter_count
from distill_core.tinybert.losses import (LayerProjections, attention_mse, hidden_mse, layer_map, mapped_teacher,
                                          tinybert_losses)
from tests.helpers_downstream import tiny_teacher
from tests.helpers_teaching import one_thread  # noqa: F401  (autouse fixture)

SENTENCES = ["the team and the game .", "rain", "a new phone was in the soup , and the game of rain is new ."]



@pytest.fixture(scope="module")
def teacher(tmp_path_factory):
    return tiny_teacher(tmp_path_factory.mktemp("tiny"))


def _batch(teacher):
    enc = teacher.tokenizer(SENTENCES, padding="longest", return_tensors="pt")
    assert enc["attention_mask"].min() == 0  # the batch has padding, so masking is exercised
    return enc["input_ids"], enc["attention_mask"]


def test_layer_map_is_uniform():
    assert layer_map(4, 12) == [3, 6, 9, 12]   # TinyBERT-4L on BERT-base
    assert layer_map(2, 6) == [3, 6]
    assert layer_map(4, 6) == [1, 3, 4, 6]     # rounded down; the last layer still maps to the last
    assert layer_map(6, 6) == [1, 2, 3, 4, 5, 6]
    with pytest.raises(DistillError):
        layer_map(7, 6)
    with pytest.raises(DistillError):
        layer_map(0, 6)


def _ref_hidden(p, t, mask):
    total, count = 0.0, 0
    for b in range(p.shape[0]):
        for i in range(p.shape[1]):
            if mask[b, i]:
                total += sum((float(p[b, i, d]) - float(t[b, i, d])) ** 2 for d in range(p.shape[2]))
                count += 1
    return total / (count * p.shape[2])


def _ref_attention(a, b_, mask):
    total, count = 0.0, 0
    B, H, L, _ = a.shape
    for b in range(B):
        for h in range(H):
            for i in range(L):
                for j in range(L):
                    if mask[b, i] and mask[b, j]:
                        total += (float(a[b, h, i, j].detach()) - float(b_[b, h, i, j])) ** 2
                        count += 1
    return total / count


def test_losses_equal_hand_written_references(teacher):
    ids, mask = _batch(teacher)
    torch.manual_seed(1)
    student = make_tinybert_student(teacher, 16, 2)  # 4 heads like the teacher
    s = student(input_ids=ids, attention_mask=mask, output_hidden_states=True, output_attentions=True)
    t = teacher.model(input_ids=ids, attention_mask=mask, output_hidden_states=True, output_attentions=True)
    gmap = layer_map(2, 4)
    t_hidden, t_attn = mapped_teacher(t.hidden_states, t.attentions, gmap)
    assert [x is y for x, y in zip(t_hidden, (t.hidden_states[0], t.hidden_states[2], t.hidden_states[4]))] == [True] * 3
    for shared in (True, False):
        proj = LayerProjections(16, 32, 2, shared=shared)
        terms = tinybert_losses(s.hidden_states, s.attentions, t_hidden, t_attn, proj, mask)
        with torch.no_grad():
            ref_h = sum(_ref_hidden(proj(s.hidden_states[m], m), t.hidden_states[g], mask)
                        for m, g in zip((1, 2), gmap))
            ref_e = _ref_hidden(proj(s.hidden_states[0], 0), t.hidden_states[0], mask)
        ref_a = sum(_ref_attention(s.attentions[m - 1], t.attentions[g - 1], mask) for m, g in zip((1, 2), gmap))
        assert float(terms["hidden"].detach()) == pytest.approx(ref_h, rel=1e-5)
        assert float(terms["embedding"].detach()) == pytest.approx(ref_e, rel=1e-5)
        assert float(terms["attention"].detach()) == pytest.approx(ref_a, rel=1e-5)
        assert float(terms["attention"].detach()) > 0


def test_padding_does_not_count(teacher):
    ids, mask = _batch(teacher)
    a_s, a_t = torch.rand(3, 4, ids.shape[1], ids.shape[1]), torch.rand(3, 4, ids.shape[1], ids.shape[1])
    h_s, h_t = torch.randn(3, ids.shape[1], 8), torch.randn(3, ids.shape[1], 8)
    before = (float(attention_mse(a_s, a_t, mask)), float(hidden_mse(h_s, h_t, mask)))
    pad = mask == 0  # (B, L)
    a_s[pad[:, None, :, None].expand_as(a_s)] = 9.0    # garbage in padded queries
    a_s[pad[:, None, None, :].expand_as(a_s)] = -9.0   # and padded keys
    h_s[pad] = 100.0
    assert (float(attention_mse(a_s, a_t, mask)), float(hidden_mse(h_s, h_t, mask))) == pytest.approx(before)
    assert float(attention_mse(a_t, a_t, mask)) == 0.0


def test_head_mismatch_is_one_clear_error():
    with pytest.raises(DistillError, match="attention heads"):
        attention_mse(torch.rand(1, 2, 3, 3), torch.rand(1, 4, 3, 3))


def test_shared_vs_per_layer_parameter_count(teacher):
    d_s, d_t, L = 16, 32, 3
    shared = sum(p.numel() for p in LayerProjections(d_s, d_t, L, shared=True).parameters())
    per = sum(p.numel() for p in LayerProjections(d_s, d_t, L, shared=False).parameters())
    assert shared == d_s * d_t + d_t == projection_parameter_count(d_s, d_t, L, True)
    assert per == (L + 1) * (d_s * d_t + d_t) == projection_parameter_count(d_s, d_t, L, False)
    for flag in (True, False):
        tr = TinyBertTrainer(TinyBertConfig(hidden_size=16, num_hidden_layers=L, shared_projection=flag, steps=1),
                             teacher, SENTENCES)
        assert tr.projection_parameters() == tr.expected_projection_parameters()


def test_trainer_logs_every_term_loss_falls_and_exports(teacher, tmp_path):
    cfg = TinyBertConfig(hidden_size=16, num_hidden_layers=2, shared_projection=False, steps=40, lr=3e-3,
                         batch_size=3)
    tr = TinyBertTrainer(cfg, teacher, SENTENCES)
    hist = tr.run(100)
    assert len(hist) == 40 and tr.done
    first, last = hist[0], hist[-1]
    for term in ("embedding", "hidden", "attention", "total"):
        assert getattr(last, term) < getattr(first, term), term
    assert last.total == pytest.approx(last.embedding + last.hidden + last.attention, rel=1e-5)
    folder = tr.export(tmp_path / "run")
    loaded = AutoModel.from_pretrained(folder)
    ids, mask = _batch(teacher)
    with torch.no_grad():
        a = loaded(input_ids=ids, attention_mask=mask).last_hidden_state
        b = tr.student(input_ids=ids, attention_mask=mask).last_hidden_state
    assert torch.allclose(a, b, atol=1e-5)
    assert (folder / "projections.safetensors").is_file()


def test_trainer_is_deterministic_and_rejects_bad_width(teacher):
    cfg = TinyBertConfig(hidden_size=16, num_hidden_layers=2, steps=5, batch_size=2)
    a = [p.total for p in TinyBertTrainer(cfg, teacher, SENTENCES).run(5)]
    b = [p.total for p in TinyBertTrainer(cfg, teacher, SENTENCES).run(5)]
    assert a == b
    with pytest.raises(DistillError, match="multiple"):
        TinyBertTrainer(TinyBertConfig(hidden_size=18), teacher, SENTENCES)
