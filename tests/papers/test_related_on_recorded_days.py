"""Related papers by content on the recorded days: they share content, robotics goes with robotics."""

import re

import pytest

from papers import related_papers
from papers.models import Paper, RelatedPaper

pytestmark = pytest.mark.django_db

ROBOTICS = re.compile(r"robot|embodi|manipulat|\bVLA\b|grasp|humanoid|locomotion", re.IGNORECASE)
TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern


@pytest.fixture(scope="module")
def related(archive, django_db_blocker):
    """The recorded archive with every paper's related papers (inside the archive's transaction, rolled back)."""
    with django_db_blocker.unblock():
        related_papers.refresh()


def words(paper: Paper) -> set[str]:
    return set(TOKEN.findall(f"{paper.title} {paper.abstract} {' '.join(map(str, paper.keywords))}".lower()))


def topic_names(paper: Paper) -> set[str]:
    return set(paper.topics.values_list("name", flat=True))


def stored() -> set[tuple]:
    rows = RelatedPaper.objects.values_list("pk", "paper", "related", "rank", "score", "topics", "terms")
    return {(*row[:5], tuple(row[5]), tuple(row[6])) for row in rows}


def test_related_papers_share_a_topic_or_strong_terms(related):
    rows = list(RelatedPaper.objects.select_related("paper", "related"))
    papers = Paper.objects.count()
    assert len({row.paper_id for row in rows}) >= 0.9 * papers  # nearly every paper has related papers
    for row in rows:
        assert row.related_id != row.paper_id
        assert row.score >= related_papers.MIN_SCORE
        assert 1 <= len(row.shares) <= related_papers.MAX_SHARED
        shared_topics = topic_names(row.paper) & topic_names(row.related)
        assert set(row.topics) <= shared_topics
        if len(row.topics) < 2:
            assert row.terms, f"{row}: fewer than two shared topics and no term said"
        for term in row.terms:
            assert set(term.split()) <= words(row.paper) & words(row.related), f"{row}: {term!r} is not in both"
    for paper in {row.paper_id for row in rows}:
        ranks = list(RelatedPaper.objects.filter(paper=paper).order_by("rank").values_list("rank", flat=True))
        assert ranks == list(range(len(ranks)))
        assert len(ranks) <= related_papers.LIMIT


def test_the_related_papers_of_robotics_papers_are_about_robotics(related):
    robotics = list(Paper.objects.filter(title__iregex=r"robot|embodied|manipulation").order_by("pk"))
    assert len(robotics) >= 5
    share = sum(bool(ROBOTICS.search(f"{p.title} {p.abstract}")) for p in Paper.objects.all()) / Paper.objects.count()
    assert share < 0.2
    found = [
        bool(ROBOTICS.search(f"{other.title} {other.abstract}")) for paper in robotics for other in paper.related()
    ]
    assert len(found) >= 3 * len(robotics)
    assert sum(found) / len(found) >= 0.7
    # Robot data from egocentric human videos: its nearest papers are about robots (the sixth, about egocentric
    # video understanding, shares "egocentric" and "videos").
    ego = Paper.objects.get(title__startswith="Ego2Robot")
    assert [bool(ROBOTICS.search(f"{p.title} {p.abstract}")) for p in ego.related()][:5] == [True] * 5


def test_refreshing_twice_writes_nothing_the_second_time(related, django_assert_max_num_queries):
    before = stored()
    assert before
    chunks = -(-Paper.objects.count() // related_papers.CHUNK)
    # Reading the papers, their topics and the topics, then per chunk: a savepoint, the stored rows, the release.
    with django_assert_max_num_queries(3 + 3 * chunks + 2):
        assert related_papers.refresh() == 0
    assert stored() == before
