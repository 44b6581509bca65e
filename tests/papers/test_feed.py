"""The personal feed's engine (papers.feed): reasons, weights, order, mutes and their precedence, signals, window."""

import datetime as dt
import math

import pytest

from accounts.models import User
from papers import feed
from papers.feed import Reason
from papers.models import FeedSignal, Follow, PaperSimilarity, SavedPaper, Submission
from tests.factories import make_author, make_comment, make_organization, make_paper, make_topic, make_user

pytestmark = pytest.mark.django_db

LATEST = dt.date(2026, 8, 18)  # make_paper's listing day: the latest of these tests unless one says otherwise


def follow(user, target, mode=Follow.Mode.FOLLOW) -> Follow:
    kind = {"Topic": "topic", "Author": "author", "Organization": "organization", "User": "member"}
    field = kind[type(target).__name__]
    return Follow.objects.create(user=user, target=field, mode=mode, **{field: target})


def mute(user, target) -> Follow:
    return follow(user, target, Follow.Mode.MUTE)


def ranked(user, **kwargs) -> dict[int, tuple[float, list[Reason], str]]:
    return {c.paper_id: (c.score, c.reasons, c.despite_mute) for c in feed.ranked_candidates(user, **kwargs)}


def order(user, **kwargs) -> list[int]:
    return [candidate.paper_id for candidate in feed.ranked_candidates(user, **kwargs)]


def labels(user, paper) -> list[str]:
    return [reason.label for reason in ranked(user)[paper.pk][1]]


@pytest.fixture
def bob():
    return make_user("bob", upvotes_public=True)


# Reasons, one kind at a time, with their exact labels, weights, targets and links


def test_a_followed_topic_is_a_reason(member):
    paper = make_paper(topics=("reinforcement learning",))
    topic = make_topic("reinforcement learning")
    follow(member, topic)
    assert ranked(member)[paper.pk][1] == [
        Reason("topic", "You follow reinforcement learning", 1.0, "topic", topic.pk, "/topics/reinforcement-learning/")
    ]


def test_a_followed_author_is_a_reason(member):
    paper = make_paper(authors=("Yann LeCun", "Someone Else"))
    author = make_author("Yann LeCun")
    follow(member, author)
    assert ranked(member)[paper.pk][1] == [
        Reason("author", "You follow Yann LeCun", 3.0, "author", author.pk, "/authors/yann-lecun/")
    ]


def test_a_followed_organization_is_a_reason(member):
    organization = make_organization("acme", "Acme Research")
    paper = make_paper(organization=organization)
    follow(member, organization)
    assert ranked(member)[paper.pk][1] == [
        Reason("organization", "You follow Acme Research", 2.0, "organization", organization.pk, "/orgs/acme/")
    ]


def test_a_followed_members_public_upvote_is_a_reason(member, bob):
    paper = make_paper()
    paper.upvote(bob)
    follow(member, bob)
    assert ranked(member)[paper.pk][1] == [
        Reason("member_upvoted", "Upvoted by @bob", 1.5, "member", bob.pk, "/users/bob/")
    ]


def test_a_followed_members_private_upvotes_stay_private(member, bob):
    bob.upvotes_public = False
    bob.save()
    make_paper().upvote(bob)
    follow(member, bob)
    assert ranked(member) == {}


def test_a_followed_members_comment_is_a_reason_once(member, bob):
    paper = make_paper()
    make_comment(paper, bob)
    make_comment(paper, bob, "And another thought.")
    follow(member, bob)
    assert ranked(member)[paper.pk][1] == [
        Reason("member_commented", "Commented on by @bob", 2.0, "member", bob.pk, "/users/bob/")
    ]


def test_a_followed_members_submission_is_a_reason(member, bob):
    paper = make_paper()
    Submission.objects.create(paper=paper, user=bob)
    follow(member, bob)
    assert ranked(member)[paper.pk][1] == [
        Reason("member_submitted", "Submitted by @bob", 2.0, "member", bob.pk, "/users/bob/")
    ]


def test_a_paper_similar_to_an_upvoted_or_saved_one_is_a_reason(member):
    upvoted = make_paper("2608.00001", title="Policy gradients")
    saved = make_paper("2608.00002", title="Reward models")
    paper = make_paper()
    upvoted.upvote(member)
    SavedPaper.objects.create(user=member, paper=saved)
    PaperSimilarity.objects.create(paper=upvoted, similar=paper, score=0.5)
    PaperSimilarity.objects.create(paper=saved, similar=paper, score=0.25)
    assert ranked(member)[paper.pk][1] == [
        Reason(
            "similar", "Similar to “Policy gradients” that you upvoted", 1.0, None, upvoted.pk, "/papers/2608.00001/"
        ),
        Reason("similar", "Similar to “Reward models” that you saved", 0.5, None, saved.pk, "/papers/2608.00002/"),
    ]


def test_a_paper_both_upvoted_and_saved_is_named_as_saved(member):
    seed = make_paper(title="Policy gradients")
    paper = make_paper()
    seed.upvote(member)
    SavedPaper.objects.create(user=member, paper=seed)
    PaperSimilarity.objects.create(paper=seed, similar=paper, score=0.5)
    assert labels(member, paper) == ["Similar to “Policy gradients” that you saved"]


def test_papers_without_a_reason_are_not_candidates(member):
    make_paper(topics=("robotics",))
    follow(member, make_topic("reinforcement learning"))
    assert ranked(member) == {}


# Weights, score and order


def test_a_paper_sums_its_reasons_strongest_first(member, bob):
    organization = make_organization()
    paper = make_paper(
        authors=("Yann LeCun", "Léon Bottou"), topics=("vision", "robotics"), organization=organization, hf_upvotes=9
    )
    for target in (make_topic("vision"), make_topic("robotics"), make_author("Yann LeCun"), organization, bob):
        follow(member, target)
    follow(member, make_author("Léon Bottou"))
    paper.upvote(bob)
    score, reasons, despite = ranked(member)[paper.pk]
    assert [reason.weight for reason in reasons] == [3.0, 3.0, 2.0, 1.5, 1.0, 1.0]
    assert labels(member, paper)[:2] == ["You follow Léon Bottou", "You follow Yann LeCun"]
    # Listed on the latest day: no decay. Points: 9 on Hugging Face and bob's upvote.
    assert score == pytest.approx(11.5 + 0.5 * math.log10(1 + 10))
    assert despite == ""


def test_stronger_reasons_rank_first_and_points_count_a_little(member):
    topic_only = make_paper(topics=("vision",), hf_upvotes=999)
    by_author = make_paper(authors=("Yann LeCun",), hf_upvotes=0)
    follow(member, make_topic("vision"))
    follow(member, make_author("Yann LeCun"))
    # 1 + 0.5 × log10(1000) = 2.5 < 3 + 0.
    assert order(member) == [by_author.pk, topic_only.pk]


def test_ties_go_to_more_points_then_to_the_newer_listing_then_to_the_later_id(member):
    follow(member, make_topic("vision"))
    follow(member, make_topic("robots"))
    # Scores of exactly 1.0 each, the member's half-life being 4 days:
    quiet = make_paper(topics=("vision",))  # 1.0 + 0.5 × log10(1)
    seed = make_paper(title="Seed", listed_on=LATEST - dt.timedelta(days=60))
    seed.upvote(member)
    voted = make_paper(hf_upvotes=9)  # 2.0 × 0.25 similarity + 0.5 × log10(10)
    PaperSimilarity.objects.create(paper=seed, similar=voted, score=0.25)
    older = make_paper(topics=("vision", "robots"), listed_on=LATEST - dt.timedelta(days=4))  # 2.0 × 0.5 ^ (4 / 4)
    later = make_paper(topics=("vision",))  # as `quiet`, added after it
    found = feed.ranked_candidates(member)
    assert {round(candidate.score, 9) for candidate in found} == {1.0}
    assert [candidate.paper_id for candidate in found] == [voted.pk, later.pk, quiet.pk, older.pk]


def test_age_decays_with_the_members_half_life(member):
    new = make_paper(topics=("vision",))
    old = make_paper(authors=("Yann LeCun",), listed_on=LATEST - dt.timedelta(days=10))
    follow(member, make_topic("vision"))
    follow(member, make_author("Yann LeCun"))
    for recency, half_life in feed.HALF_LIFE_DAYS.items():
        member.recency = recency
        assert ranked(member)[old.pk][0] == pytest.approx(3.0 * 0.5 ** (10 / half_life))
    member.recency = User.Recency.LITTLE  # 3 × 0.5^(10/14) ≈ 1.83 beats 1
    assert order(member) == [old.pk, new.pk]
    member.recency = User.Recency.SOME  # 3 × 0.5^(10/4) ≈ 0.53 loses to 1
    assert order(member) == [new.pk, old.pk]
    member.recency = User.Recency.MUCH
    assert order(member) == [new.pk, old.pk]


# The window


def test_the_window_ends_on_the_latest_listing_day_not_today(member, settings):
    settings.FEED_WINDOW_DAYS = 30  # the latest listing day and the 29 before it
    follow(member, make_topic("vision"))
    inside = make_paper(topics=("vision",), listed_on=LATEST - dt.timedelta(days=29))
    make_paper(topics=("vision",), listed_on=LATEST - dt.timedelta(days=30))
    latest = make_paper(topics=("vision",))
    assert set(ranked(member)) == {inside.pk, latest.pk}
    settings.FEED_WINDOW_DAYS = 7
    assert set(ranked(member)) == {latest.pk}


def test_until_ends_the_window_earlier_and_ages_count_from_it(member):
    follow(member, make_topic("vision"))
    before = make_paper(topics=("vision",), listed_on=LATEST - dt.timedelta(days=2), hf_upvotes=1)
    make_paper(topics=("vision",), hf_upvotes=1)  # listed after `until`
    found = feed.ranked_candidates(member, until=LATEST - dt.timedelta(days=2))
    assert [(c.paper_id, round(c.score, 6)) for c in found] == [(before.pk, round(1 + 0.5 * 0.30103, 6))]
    assert feed.ranked_candidates(member, since=LATEST, until=LATEST - dt.timedelta(days=1)) == []


def test_since_narrows_the_window(member):
    follow(member, make_topic("vision"))
    make_paper(topics=("vision",), listed_on=LATEST - dt.timedelta(days=5))
    recent = make_paper(topics=("vision",), listed_on=LATEST - dt.timedelta(days=2))
    latest = make_paper(topics=("vision",))
    assert set(ranked(member, since=LATEST - dt.timedelta(days=2))) == {recent.pk, latest.pk}
    assert [item.paper for item in feed.top_items(member, since=LATEST, limit=5)] == [latest]


def test_similar_papers_outside_the_window_are_not_candidates(member):
    seed = make_paper()
    stale = make_paper(listed_on=LATEST - dt.timedelta(days=60))
    seed.upvote(member)
    PaperSimilarity.objects.create(paper=seed, similar=stale, score=0.9)
    assert ranked(member) == {}


def test_an_empty_site_or_a_visitor_has_no_candidates(member, client):
    assert feed.ranked_candidates(member) == []
    from django.contrib.auth.models import AnonymousUser

    make_paper()
    assert feed.ranked_candidates(AnonymousUser()) == []
    assert not feed.follows_anything(AnonymousUser())


# Mutes and their precedence: member > author > organisation > topic


def test_muting_a_topic_hides_its_papers_but_a_followed_author_shows_them_and_says_why(member):
    diffusion = make_topic("diffusion models")
    mute(member, diffusion)
    follow(member, make_author("Yann LeCun"))
    follow(member, make_topic("vision"))
    by_yann = make_paper(authors=("Yann LeCun",), topics=("diffusion models",))
    other = make_paper(topics=("diffusion models", "vision"))
    fine = make_paper(topics=("vision",))
    found = ranked(member)
    assert set(found) == {by_yann.pk, fine.pk}
    assert found[by_yann.pk][2] == "Shown although you mute “diffusion models”: you follow Yann LeCun"
    assert found[fine.pk][2] == ""
    assert other.pk not in found


def test_a_muted_author_beats_a_followed_topic(member):
    follow(member, make_topic("vision"))
    mute(member, make_author("Yann LeCun"))
    make_paper(authors=("Yann LeCun", "Someone"), topics=("vision",))
    assert ranked(member) == {}


def test_a_muted_organization_beats_a_followed_topic_but_not_a_followed_author(member):
    organization = make_organization()
    mute(member, organization)
    follow(member, make_topic("vision"))
    follow(member, make_author("Yann LeCun"))
    make_paper(topics=("vision",), organization=organization)
    by_yann = make_paper(authors=("Yann LeCun",), organization=organization)
    found = ranked(member)
    assert set(found) == {by_yann.pk}
    assert found[by_yann.pk][2] == "Shown although you mute “Acme Research”: you follow Yann LeCun"


def test_a_followed_member_beats_a_muted_author(member, bob):
    mute(member, make_author("Yann LeCun"))
    follow(member, bob)
    paper = make_paper(authors=("Yann LeCun",))
    make_paper(authors=("Yann LeCun",), title="Not upvoted by bob")
    paper.upvote(bob)
    found = ranked(member)
    assert set(found) == {paper.pk}
    assert found[paper.pk][2] == "Shown although you mute “Yann LeCun”: you follow @bob"


def test_a_muted_members_upvotes_comments_and_submissions_are_no_reason(member, bob):
    mute(member, bob)
    follow(member, make_topic("vision"))
    upvoted, commented, submitted = make_paper(), make_paper(), make_paper(topics=("vision",))
    upvoted.upvote(bob)
    make_comment(commented, bob)
    Submission.objects.create(paper=submitted, user=bob)
    # Nothing is a reason, and the paper bob submitted is hidden although its topic is followed.
    assert ranked(member) == {}


def test_the_most_specific_mute_decides(member):
    # Mute the topic and the author, follow the organisation: the author mute is more specific than the follow.
    organization = make_organization()
    mute(member, make_topic("diffusion models"))
    mute(member, make_author("Yann LeCun"))
    follow(member, organization)
    make_paper(authors=("Yann LeCun",), topics=("diffusion models",), organization=organization)
    in_topic = make_paper(topics=("diffusion models",), organization=organization)
    found = ranked(member)
    assert set(found) == {in_topic.pk}
    assert found[in_topic.pk][2] == "Shown although you mute “diffusion models”: you follow Acme Research"


def test_similarity_never_overrides_a_mute(member):
    seed = make_paper()
    paper = make_paper(topics=("diffusion models",))
    seed.upvote(member)
    PaperSimilarity.objects.create(paper=seed, similar=paper, score=0.9)
    mute(member, make_topic("diffusion models"))
    assert ranked(member) == {}


def test_members_who_left_are_no_reason(member, bob):
    carol = make_user("carol")
    follow(member, bob)
    follow(member, carol)
    make_comment(make_paper(), bob)
    Submission.objects.create(paper=make_paper(), user=carol)
    assert len(ranked(member)) == 2
    bob.anonymize()  # deleted
    User.objects.filter(pk=carol.pk).update(is_active=False)  # deactivated
    assert ranked(member) == {}


def test_a_mute_of_a_member_who_left_still_hides_what_they_submitted(member, bob):
    follow(member, make_topic("vision"))
    mute(member, bob)
    Submission.objects.create(paper=make_paper(topics=("vision",)), user=bob)
    bob.anonymize()
    assert ranked(member) == {}


# Signals


def test_less_like_this_hides_the_paper_and_lowers_its_neighbours(member):
    follow(member, make_topic("vision"))
    disliked, neighbour, unrelated = (make_paper(topics=("vision",)) for _ in range(3))
    PaperSimilarity.objects.create(paper=disliked, similar=neighbour, score=0.4)
    before = ranked(member)
    assert before[neighbour.pk][0] == before[unrelated.pk][0] == pytest.approx(1.0)
    feed.show_less(member, disliked)
    after = ranked(member)
    assert disliked.pk not in after
    assert after[neighbour.pk][0] == pytest.approx(1.0 - 0.4)
    assert after[unrelated.pk][0] == pytest.approx(1.0)
    assert order(member) == [unrelated.pk, neighbour.pk]


def test_less_like_this_is_idempotent_and_per_member(member, other_member):
    paper = make_paper(topics=("vision",))
    for user in (member, other_member):
        follow(user, make_topic("vision"))
    feed.show_less(member, paper)
    feed.show_less(member, paper)
    assert FeedSignal.objects.filter(user=member, paper=paper).count() == 1
    assert paper.pk not in ranked(member)
    assert paper.pk in ranked(other_member)


def test_a_paper_that_is_no_longer_a_seed_brings_no_similar_papers(member):
    seed = make_paper(title="Policy gradients")
    paper = make_paper()
    seed.upvote(member)
    PaperSimilarity.objects.create(paper=seed, similar=paper, score=0.5)
    assert paper.pk in ranked(member)
    feed.stop_seeding(member, seed)
    assert ranked(member) == {}
    assert not feed.follows_anything(member)


def test_only_the_latest_seeds_count(member, monkeypatch):
    monkeypatch.setattr(feed, "MAX_SEEDS", 2)
    seeds = [make_paper(title=f"Seed {n}") for n in range(3)]
    similar = make_paper()
    for seed in seeds:
        seed.upvote(member)
        PaperSimilarity.objects.create(paper=seed, similar=similar, score=0.5)
    assert labels(member, similar) == [
        "Similar to “Seed 1” that you upvoted",
        "Similar to “Seed 2” that you upvoted",
    ]


# What makes the home page a feed


def test_follows_anything_means_a_follow_or_a_seed(member, other_member):
    assert not feed.follows_anything(member)
    mute(member, make_topic("vision"))
    assert not feed.follows_anything(member)
    follow(member, other_member)
    assert feed.follows_anything(member)
    Follow.objects.filter(user=member).delete()
    SavedPaper.objects.create(user=member, paper=make_paper())
    assert feed.follows_anything(member)


# Pages of items


def test_feed_page_gives_rows_ready_to_render_and_knows_whether_more_follow(member):
    follow(member, make_topic("vision"))
    papers = [make_paper(topics=("vision",), hf_upvotes=n) for n in range(5)]
    papers[0].upvote(member)
    first = feed.feed_page(member, 1, per_page=3)
    assert [item.paper for item in first.items] == papers[:-4:-1]
    assert first.has_next and not first.has_previous
    second = feed.feed_page(member, 2, per_page=3)
    assert [item.paper for item in second.items] == [papers[1], papers[0]]
    assert not second.has_next
    assert second.items[-1].paper.is_upvoted and not second.items[0].paper.is_upvoted
    assert all(item.paper.row_html for item in second.items)
    assert second.previous_query == "?"
