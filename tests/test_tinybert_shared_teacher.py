"""TinyBERT work reads the shared teacher and never changes it: its attention setting stays put."""
import torch

from distill_core.tinybert.trainer import TinyBertConfig, TinyBertTrainer, eager_view, teacher_targets
from tests.helpers_downstream import tiny_teacher
from tests.helpers_teaching import one_thread  # noqa: F401  (autouse fixture)

SENTENCES = ["the team and the game .", "rain", "a new phone was in the soup , and the game of rain is new ."]


def _sdpa_teacher(tmp_path):
    teacher = tiny_teacher(tmp_path)
    teacher.model.set_attn_implementation("sdpa")  # as AutoModel loads the bundled teacher
    return teacher


def test_teacher_keeps_its_attention_implementation(tmp_path):
    teacher = _sdpa_teacher(tmp_path)
    before = {k: v.clone() for k, v in teacher.model.state_dict().items()}
    tr = TinyBertTrainer(TinyBertConfig(hidden_size=16, num_hidden_layers=2, steps=3, batch_size=2), teacher,
                         SENTENCES)
    tr.run(3)
    assert teacher.model.config._attn_implementation == "sdpa"
    assert all(torch.equal(before[k], v) for k, v in teacher.model.state_dict().items())
    assert all(a.shape[1] == 4 for a in tr.targets.attention)  # the maps still came, head by head


def test_eager_view_shares_weights_and_gives_the_same_outputs(tmp_path):
    teacher = _sdpa_teacher(tmp_path)
    view = eager_view(teacher.model)
    assert view is not teacher.model and view.config._attn_implementation == "eager"
    assert all(p is q for p, q in zip(view.parameters(), teacher.model.parameters()))  # no second copy of weights
    assert eager_view(teacher.model) is view  # made once per teacher
    enc = teacher.tokenizer(SENTENCES, padding="longest", return_tensors="pt")
    with torch.no_grad():
        a = teacher.model(**enc).last_hidden_state
        b = view(**enc, output_attentions=True)
    assert torch.allclose(a, b.last_hidden_state, atol=1e-5) and len(b.attentions) == 4
    # The targets' attention rows are probabilities over the real keys.
    tg = teacher_targets(teacher, SENTENCES, [2, 4], 16)
    row_sums = tg.attention[0].sum(-1)[tg.mask.bool()[:, None, :].expand(-1, 4, -1)]
    assert torch.allclose(row_sums, torch.ones_like(row_sums), atol=1e-5)
