"""Similar papers (papers.similarity): TF-IDF neighbours on the recorded days, stored idempotently, kept fresh."""

import datetime as dt
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from papers import follows, outbox, similarity, tasks
from papers.models import FeedSignal, Paper, PaperSimilarity, PaperVote, SavedPaper
from tests.factories import make_paper

pytestmark = pytest.mark.django_db

RL_WORDS = re.compile(r"reinforcement|reward|policy|policies|\bRL\b", re.IGNORECASE)


def window_papers():
    return Paper.objects.in_feed_window()


def neighbours(paper) -> list[int]:
    return list(
        PaperSimilarity.objects.filter(paper=paper).order_by("-score", "similar").values_list("similar", flat=True)
    )


def stored() -> set[tuple[int, int, int, float]]:
    return set(PaperSimilarity.objects.values_list("pk", "paper", "similar", "score"))


def about_rl(pk: int) -> bool:
    paper = Paper.objects.get(pk=pk)
    return bool(RL_WORDS.search(f"{paper.title} {paper.abstract}"))


@pytest.fixture
def rl_papers(archive):
    """The recorded papers of the window with "reinforcement learning" in their title."""
    return list(window_papers().filter(title__icontains="reinforcement learning").order_by("pk"))


def test_neighbours_of_reinforcement_learning_papers_are_about_reinforcement_learning(rl_papers, member):
    assert len(rl_papers) >= 5
    for paper in rl_papers:
        paper.upvote(member)
    assert similarity.refresh() == len(rl_papers)
    share = sum(about_rl(pk) for pk in window_papers().values_list("pk", flat=True)) / window_papers().count()
    assert share < 0.35  # about a third of the window mentions rewards or policies
    found = [about_rl(pk) for paper in rl_papers for pk in neighbours(paper)[:10]]
    assert sum(found) / len(found) >= 0.6
    for paper in rl_papers:
        rows = list(PaperSimilarity.objects.filter(paper=paper).order_by("-score"))
        assert len(rows) == similarity.NEIGHBOURS
        assert paper.pk not in {row.similar_id for row in rows}
        assert all(0 < row.score <= 1 for row in rows)
        assert set(window_papers().filter(pk__in=[row.similar_id for row in rows])) == {row.similar for row in rows}


def test_the_two_closest_papers_share_their_distinctive_words(rl_papers, member):
    # "SKILLER: Language-Level Reinforcement Learning for Reusable Skill Extraction…" and
    # "Progressive Agent Skill Generation via Reinforcement Learning": skills, learnt with RL.
    seed = next(p for p in rl_papers if p.title.startswith("Progressive Agent Skill Generation"))
    seed.upvote(member)
    similarity.refresh([seed.pk])
    best = Paper.objects.get(pk=neighbours(seed)[0])
    assert best.title.startswith("SKILLER")
    top = Paper.objects.filter(pk__in=neighbours(seed)[:5])
    assert all("skill" in f"{paper.title} {paper.abstract}".lower() for paper in top)


def test_refreshing_twice_writes_nothing_the_second_time(rl_papers, member):
    for paper in rl_papers[:3]:
        paper.upvote(member)
    assert similarity.refresh() == 3
    before = stored()
    assert similarity.refresh() == 0
    assert similarity.refresh([rl_papers[0].pk]) == 0  # one seed alone: the same neighbours, exactly
    assert stored() == before


def test_a_changed_window_replaces_a_seeds_rows(rl_papers, member, settings):
    seed = rl_papers[0]
    seed.upvote(member)
    similarity.refresh([seed.pk])
    settings.FEED_WINDOW_DAYS = 3
    assert similarity.refresh([seed.pk]) == 1
    assert PaperSimilarity.objects.filter(paper=seed).count() == similarity.NEIGHBOURS
    assert not PaperSimilarity.objects.filter(paper=seed).exclude(similar__in=window_papers()).exists()


def test_papers_no_longer_seeds_lose_their_rows_on_the_full_refresh(rl_papers, member, other_member):
    kept, dropped, disliked = rl_papers[:3]
    kept.upvote(member)
    SavedPaper.objects.create(user=other_member, paper=dropped)
    FeedSignal.objects.create(user=member, paper=disliked, kind="less")
    assert similarity.refresh() == 3
    SavedPaper.objects.all().delete()
    similarity.refresh()
    assert set(PaperSimilarity.objects.values_list("paper", flat=True)) == {kept.pk, disliked.pk}


def test_the_task_refreshes_one_seed_or_all(rl_papers, member):
    first, second = rl_papers[:2]
    for paper in (first, second):
        PaperVote.objects.create(user=member, paper=paper)
    assert tasks.refresh_similarities.delay(first.pk).get() == 1
    assert set(PaperSimilarity.objects.values_list("paper", flat=True)) == {first.pk}
    assert tasks.refresh_similarities.delay().get() == 1
    assert set(PaperSimilarity.objects.values_list("paper", flat=True)) == {first.pk, second.pk}


def test_the_command_refreshes_every_seed_or_the_papers_named(rl_papers, member):
    first, second = rl_papers[:2]
    for paper in (first, second):
        PaperVote.objects.create(user=member, paper=paper)
    out = StringIO()
    call_command("refresh_similarities", first.arxiv_id, stdout=out)
    assert "1 seed changed" in out.getvalue()
    call_command("refresh_similarities", stdout=out)
    assert set(PaperSimilarity.objects.values_list("paper", flat=True)) == {first.pk, second.pk}
    with pytest.raises(CommandError, match="No such paper: 2608.99999"):
        call_command("refresh_similarities", "2608.99999")


def test_an_upvote_queues_the_refresh_of_its_paper_once(rl_papers, member, django_capture_on_commit_callbacks):
    paper = rl_papers[0]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        follows.upvote(member, paper)
    queued = [callback.args[0][0].task for callback in callbacks if getattr(callback, "func", None) is outbox.relay]
    assert (
        queued.count("papers.tasks.refresh_similarities") == 1
    )  # beside the feeds' updates (tests/papers/test_timeline.py)
    assert len(neighbours(paper)) == similarity.NEIGHBOURS
    with django_capture_on_commit_callbacks() as callbacks:
        follows.upvote(member, paper)  # already upvoted: nothing new
    assert callbacks == []


def test_beat_refreshes_every_seed_hourly(settings):
    """New papers from a sync or a submission reach the seeds' neighbours with the hourly refresh."""
    schedule = settings.CELERY_BEAT_SCHEDULE["refresh-similarities"]
    assert schedule["task"] == "papers.tasks.refresh_similarities"
    assert schedule["schedule"].minute == {30} and schedule["schedule"].hour == set(range(24))


def test_a_second_upvote_of_a_seed_with_neighbours_queues_nothing(
    rl_papers, member, other_member, django_capture_on_commit_callbacks, monkeypatch
):
    paper = rl_papers[0]
    with django_capture_on_commit_callbacks(execute=True):
        follows.upvote(member, paper)
    queued = []
    monkeypatch.setattr(tasks.refresh_similarities, "apply_async", lambda *args, **options: queued.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        follows.upvote(other_member, paper)
    assert queued == []


# Papers listed long after the recorded days, so that the window holds these papers alone.
LATER = dt.date(2027, 1, 11)


def test_a_small_window_keeps_every_term(member):
    """With a handful of papers, pruning by document frequency would leave no term: then all are kept."""
    seed = make_paper(
        title="Robot grasping with tactile sensors", abstract="Tactile grasping for robot hands.", listed_on=LATER
    )
    close = make_paper(
        title="Tactile sensing for robot grasping", abstract="Robot hands grasp by touch.", listed_on=LATER
    )
    make_paper(title="Protein folding", abstract="Structures of proteins.", listed_on=LATER)
    seed.upvote(member)
    assert similarity.refresh() == 1
    assert neighbours(seed) == [close.pk]


def test_nothing_to_do_without_seeds_or_papers(member):
    assert similarity.refresh() == 0
    paper = make_paper(listed_on=LATER)
    assert similarity.refresh() == 0
    assert similarity.refresh([paper.pk]) == 0  # a lone paper has no neighbour
    assert not PaperSimilarity.objects.exists()
