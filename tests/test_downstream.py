"""The downstream tasks load and split without overlap; students differ only in their start; curves come back."""
import pytest
import torch

from distill_core.evaluation.downstream import (LearningCurve, DownstreamConfig, DistilledStart, VariantSummary, compact, findings,
                                     load_task, make_students, read_topics, run_experiment, sentence_task,
                                     summarize, token_task, unseen_fraction)
from distill_core.errors import DistillError
from tests.helpers_downstream import tiny_teacher
from tests.helpers_teaching import one_thread  # noqa: F401  (autouse fixture)



@pytest.fixture(scope="module")
def teacher(tmp_path_factory):
    return tiny_teacher(tmp_path_factory.mktemp("tiny"))


def test_token_task_holds_out_words_per_group(teacher):
    task = token_task(teacher.tokenizer, test_per_group=3)
    assert len(task.label_names) == 4  # the tiny vocabulary holds 8 words of 4 groups
    assert set(task.train.texts).isdisjoint(task.test.texts)
    assert torch.bincount(task.test.labels).tolist() == [3] * 4
    assert torch.bincount(task.train.labels).tolist() == [5] * 4
    again = token_task(teacher.tokenizer, test_per_group=3)
    assert again.test.texts == task.test.texts  # deterministic
    other = token_task(teacher.tokenizer, test_per_group=3, seed=1)
    assert other.test.texts != task.test.texts
    assert task.train.input_ids.shape[1] == 3  # [CLS] word [SEP]: every word is one token


def test_sentence_task_holds_out_sentences_stratified(teacher):
    texts, labels = read_topics()
    assert len(texts) == len(set(texts)) >= 200 and len(set(labels)) >= 2
    task = sentence_task(teacher.tokenizer)
    assert set(task.train.texts).isdisjoint(task.test.texts)
    assert len(task.train.texts) + len(task.test.texts) == len(texts)
    counts = torch.bincount(task.test.labels).float()
    assert counts.max() - counts.min() <= 1 and 0.2 <= len(task.test.texts) / len(texts) <= 0.3
    assert task.chance == pytest.approx(float(counts.max()) / len(task.test.texts))
    assert sentence_task(teacher.tokenizer).test.texts == task.test.texts


def test_bad_topics_file_is_one_clear_error(tmp_path, teacher):
    with pytest.raises(DistillError, match="missing"):
        read_topics(tmp_path / "nope.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label\nhello,a\n")
    with pytest.raises(DistillError, match="two labels"):
        sentence_task(teacher.tokenizer, path=bad)
    with pytest.raises(DistillError):
        load_task("poems", teacher.tokenizer)


def test_compact_keeps_the_same_tokens(teacher):
    task = load_task("sentences", teacher.tokenizer)
    small, keep = compact(task)
    assert torch.equal(keep[small.train.input_ids], task.train.input_ids)
    assert torch.equal(keep[small.test.input_ids], task.test.input_ids)


def test_students_differ_only_in_their_start(teacher):
    cfg = DownstreamConfig(hidden_size=16, num_hidden_layers=1, variants=("distilled", "random", "teacher_pca"))
    state = {"word_embeddings.weight": torch.randn(teacher.vocab_size, 16)}
    start = DistilledStart(state, ratio=1.0, steps=1, mode="vocab")
    models = make_students(teacher, cfg, 4, seed=0, start=start)
    sd = {k: m.state_dict() for k, m in models.items()}
    for name, value in sd["random"].items():
        same_d = torch.equal(value, sd["distilled"][name])
        assert same_d == (name != "student.embeddings.word_embeddings.weight"), name
        if "embeddings" not in name:
            assert torch.equal(value, sd["teacher_pca"][name]), name
    assert torch.equal(sd["distilled"]["student.embeddings.word_embeddings.weight"], state["word_embeddings.weight"])
    with pytest.raises(DistillError):
        make_students(teacher, cfg, 4, seed=0, start=None)


def test_experiment_trains_every_student_and_returns_curves(teacher):
    cfg = DownstreamConfig(hidden_size=16, num_hidden_layers=1, seeds=2, steps=30, eval_every=10, lr=3e-3,
                           batch_size=8, distill_steps=20, distill_subset=0)
    seen = []
    curves, start = run_experiment(teacher, cfg, on_point=lambda c: seen.append((c.task, c.variant, c.steps[-1])))
    assert start is not None and start.steps == 20 and start.ratio > 0
    assert {(c.task, c.variant, c.seed) for c in curves} == {
        (t, v, s) for t in ("tokens", "sentences") for v in ("distilled", "random") for s in (0, 1)}
    for c in curves:
        assert c.steps == [0, 10, 20, 30]  # eval_every=10
        assert all(0 <= a <= 1 for a in c.test_acc) and len(c.train_loss) == 4
    # Fine-tuning learns: per task and start, averaged over the seeds (one 30-step run of batches of 8 near the
    # chance loss ln 4 moves by batch noise alone, so a single curve may end a hair above where it began).
    for task in ("tokens", "sentences"):
        for variant in ("distilled", "random"):
            mine = [c for c in curves if (c.task, c.variant) == (task, variant)]
            assert sum(c.train_loss[-1] for c in mine) < sum(c.train_loss[0] for c in mine), (task, variant)
    assert len(seen) == len(curves) * 4
    again, _ = run_experiment(teacher, cfg, start=start)
    assert [c.test_acc for c in again] == [c.test_acc for c in curves]  # seeded: same curves


def test_summaries_and_findings_follow_the_numbers():
    def curve(v, seed, accs):
        return LearningCurve("tokens", v, seed, list(range(0, 10 * len(accs), 10)), [1.0] * len(accs), [1.0] * len(accs),
                     accs)
    curves = [curve("distilled", 0, [0.1, 0.6, 0.8]), curve("distilled", 1, [0.1, 0.5, 0.9]),
              curve("random", 0, [0.1, 0.1, 0.2]), curve("random", 1, [0.05, 0.2, 0.6])]
    s = {x.variant: x for x in summarize(curves, {"tokens": 0.55})}
    assert s["distilled"].steps_to_target == [10, 20] and s["random"].steps_to_target == [None, 20]
    assert s["distilled"].mean_final == pytest.approx(0.85) and s["random"].median_steps is None
    text = " ".join(findings(list(s.values()), {"tokens": 0.55}, {"tokens": 0.05}))
    assert "distilled start ends ahead" in text and "85%" in text and "1 of 2 seeds" in text
    tie = [VariantSummary("tokens", "distilled", [0.5, 0.7], [0.7, 0.7], [10, 10]),
           VariantSummary("tokens", "random", [0.6, 0.6], [0.6, 0.6], [10, 10])]
    assert "no clear difference" in findings(tie, {}, {})[0]


def test_unseen_fraction_counts_held_out_tokens_missing_from_training(teacher):
    task = token_task(teacher.tokenizer, test_per_group=3)
    special = set(teacher.tokenizer.all_special_ids)
    assert unseen_fraction(task, special) == 1.0  # every held-out word is a token never trained on
    assert unseen_fraction(task) == pytest.approx(1 / 3)  # [CLS] and [SEP] are seen
