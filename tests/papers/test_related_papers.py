"""Related papers by content (papers.related_papers): stored with why, ranked, kept fresh, idempotent.

On the recorded days: tests/papers/test_related_on_recorded_days.py (the archive stays for a whole module).
"""

import re
from io import StringIO

import pytest
from celery.schedules import crontab
from django.core.management import call_command

from papers import related_papers, tasks
from papers.models import Paper, PaperTopic, RelatedPaper, Topic
from tests.factories import make_paper
from tests.support.paths import HF_FIXTURES

pytestmark = pytest.mark.django_db

ROBOTICS = re.compile(r"robot|embodi|manipulat|\bVLA\b|grasp|humanoid|locomotion", re.IGNORECASE)
TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern


def test_a_shared_author_name_alone_relates_nothing():
    names = ("Hao Li", "Wei Zhang")
    make_paper(title="Robotic grasping with tactile sensors", abstract="Grippers learn to grasp.", authors=names)
    make_paper(title="Protein folding by diffusion", abstract="Structures of proteins sampled.", authors=names)
    make_paper(title="Tactile grasping for robotic hands", abstract="Hands grasp with touch.", authors=("Ada",))
    related_papers.refresh()
    pairs = {
        (paper.title.split()[0], other.title.split()[0]) for paper in Paper.objects.all() for other in paper.related()
    }
    assert pairs == {("Robotic", "Tactile"), ("Tactile", "Robotic")}


def test_shared_topics_break_near_ties():
    text = {"abstract": "Annealing schedules for quantum graph colouring on noisy hardware."}
    seed = make_paper(title="Quantum annealing for graph colouring", topics=("quantum computing",), **text)
    plain = make_paper(title="Quantum annealing of colourings", **text)
    with_topic = make_paper(title="Quantum annealing of colourings", **text)
    unrelated = make_paper(title="Unrelated", abstract="Bread baking at home.")
    quantum = Topic.objects.get(name="quantum computing")
    for paper in (with_topic, unrelated):  # the topic, not its words: the two texts stay as they are
        PaperTopic.objects.create(paper=paper, topic=quantum, position=0)
    related_papers.refresh()
    assert [p.pk for p in seed.related()] == [with_topic.pk, plain.pk]  # the unrelated one shares only a topic
    first, second = RelatedPaper.objects.filter(paper=seed).order_by("rank")
    assert first.score == second.score
    assert first.topics == ["quantum computing"] and second.topics == []
    assert second.terms and "quantum" in " ".join(second.terms)


def test_a_changed_paper_rewrites_only_the_rows_that_change():
    a = make_paper(title="Sparse attention for long video", abstract="Video transformers attend sparsely.")
    b = make_paper(title="Long video understanding with sparse attention", abstract="Attention over video frames.")
    c = make_paper(title="Bread baking", abstract="Sourdough at home, with flour and water.")
    d = make_paper(title="Sourdough bread baking", abstract="Flour, water and time make bread.")
    assert related_papers.refresh() == 4
    unchanged = set(RelatedPaper.objects.filter(paper__in=[a, b]).values_list("pk", flat=True))
    Paper.objects.filter(pk=d.pk).update(title="Gradient descent", abstract="Optimisers of neural networks.")
    assert related_papers.refresh() == 2  # c and d lose each other
    assert not RelatedPaper.objects.filter(paper__in=[c, d]).exists()
    assert set(RelatedPaper.objects.filter(paper__in=[a, b]).values_list("pk", flat=True)) == unchanged


def test_nothing_to_do_without_papers():
    assert related_papers.refresh() == 0


def test_an_import_refreshes_related_papers_after_commit(django_capture_on_commit_callbacks, monkeypatch):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_daily_papers", str(HF_FIXTURES / "daily_papers_2026-08-05.json"), verbosity=0)
    assert RelatedPaper.objects.exists()
    calls = []
    monkeypatch.setattr(related_papers, "refresh", lambda: calls.append(1) or 0)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_daily_papers", str(HF_FIXTURES / "daily_papers_2026-08-05.json"), verbosity=0)
    assert calls == []  # the same file again: no new paper, no topic moved, nothing to recompute
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_daily_papers", str(HF_FIXTURES / "daily_papers_2026-08-06.json"), verbosity=0)
    assert calls == [1]


def test_the_task_and_the_command_refresh_every_paper():
    make_paper(title="Sparse attention for long video", abstract="Video transformers attend sparsely.")
    make_paper(title="Long video understanding with sparse attention", abstract="Attention over video frames.")
    out = StringIO()
    call_command("refresh_related", stdout=out)
    assert re.fullmatch(r"Related papers refreshed: 2 papers changed \(\d+\.\d+s\)\.\n", out.getvalue())
    assert tasks.refresh_related.delay().get() == 0


def test_terms_repeat_no_word_already_said():
    terms = [("robot", 1.0), ("robotic", 0.9), ("graph colouring", 0.8), ("graph", 0.7), ("2024", 0.6), ("rare", 0.1)]
    assert related_papers.strongest_terms(terms, set(), 3) == ["robot", "graph colouring"]
    assert related_papers.strongest_terms(terms, {"robots"}, 1) == ["graph colouring"]


def test_beat_also_refreshes_related_papers_daily(settings):
    """Submitted papers and moderators' topic corrections come in with the daily refresh."""
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-related"]
    assert entry["task"] == "papers.tasks.refresh_related"
    assert entry["schedule"] == crontab(minute=15, hour=4)
