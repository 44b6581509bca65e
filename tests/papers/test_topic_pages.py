"""Topic pages as concepts: old spellings redirect, aliases show, follows move on a merge, moderators correct
topics from the page (and imports keep their corrections), with bounded queries."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from papers import follows, topics
from papers.models import Follow, ModerationAction, Paper, Topic, TopicAlias
from tests.factories import make_paper, make_topic, make_user
from tests.support.database import dump_database
from tests.support.paths import HF_FIXTURES

pytestmark = pytest.mark.django_db

REASON = "Same method, two spellings."


@pytest.fixture
def grpo():
    """GRPO and its expansion as two topics, as the import left them before topics were concepts."""
    for _ in range(3):
        make_paper(topics=("GRPO", "reinforcement learning"))
    make_paper(topics=("Group Relative Policy Optimization",))
    return Topic.objects.get(slug="grpo"), Topic.objects.get(slug="group-relative-policy-optimization")


@pytest.fixture
def moderator_client(client, moderator):
    client.force_login(moderator)
    return client


def import_days(*days: str) -> None:
    call_command("import_daily_papers", *(str(HF_FIXTURES / f"daily_papers_{day}.json") for day in days), verbosity=0)


# Addresses


def test_the_address_of_another_spelling_redirects_for_good_to_the_topic(client):
    import_days("2026-08-19")
    topic = TopicAlias.objects.get(slug="3dgs").topic
    assert topic.slug != "3dgs" or TopicAlias.objects.get(slug="3d-gaussian-splatting").topic == topic
    other = "3d-gaussian-splatting" if topic.slug == "3dgs" else "3dgs"
    response = client.get(f"/topics/{other}/?page=2")
    assert response.status_code == 301
    assert response["Location"] == f"/topics/{topic.slug}/?page=2"
    feed = client.get(f"/topics/{other}/feed/")
    assert feed.status_code == 301 and feed["Location"] == f"/topics/{topic.slug}/feed/"
    assert client.get(f"/topics/{topic.slug}/feed/").status_code == 200
    assert client.get("/topics/no-such-topic/").status_code == 404


def test_the_topic_page_lists_its_other_spellings(client):
    import_days("2026-08-19")
    topic = TopicAlias.objects.get(slug="agent-harnesses").topic
    response = client.get(topic.get_absolute_url())
    assert response.status_code == 200
    other = "agent harness" if topic.name == "agent harnesses" else "agent harnesses"
    assert f"Also known as: {other}" in response.content.decode()
    assert topic.paper_count == 3 and len(response.context["page"].items) == 3


def test_a_paper_lists_a_concept_once_whatever_spellings_it_uses(client):
    paper = make_paper(topics=("agent harness", "agent harnesses"))  # as two topics, made by hand
    first, second = (TopicAlias.objects.get(slug=s).topic for s in ("agent-harness", "agent-harnesses"))
    topics.merge_topics(make_moderator(), second, first, REASON)
    assert list(paper.paper_topics.values_list("topic_id", flat=True)) == [first.pk]


def make_moderator():
    from django.contrib.auth.models import Group

    user = make_user()
    user.groups.add(Group.objects.get_or_create(name="moderators")[0])
    return user


# Follows move to the concept


def test_follows_and_mutes_of_a_merged_topic_move_to_the_topic_it_joins(grpo, member, other_member):
    acronym, expansion = grpo
    third = make_user("cy")
    follows.follow(member, acronym)
    follows.follow(member, expansion)  # both: one follow stays
    follows.follow(other_member, expansion)  # only the merged one: it moves
    follows.mute(third, acronym)
    follows.follow(third, expansion)  # a follow and a mute: the follow wins
    topics.merge_topics(make_moderator(), expansion, acronym, REASON)
    rows = set(Follow.objects.values_list("user__username", "topic_id", "mode"))
    assert rows == {("ada", acronym.pk, "follow"), ("bob", acronym.pk, "follow"), ("cy", acronym.pk, "follow")}
    assert not Topic.objects.filter(pk=expansion.pk).exists()
    assert TopicAlias.objects.get(slug="group-relative-policy-optimization").topic == acronym


# Moderators' corrections


@pytest.mark.parametrize("htmx_request", [False, True])
def test_a_moderator_merges_topics_from_the_topic_page(moderator_client, grpo, htmx_request, htmx):
    acronym, expansion = grpo
    headers = htmx if htmx_request else {}
    response = moderator_client.post(
        reverse("papers:topic-merge", args=[expansion.slug]), {"into": "GRPO", "reason": REASON}, headers=headers
    )
    if htmx_request:
        assert response.status_code == 200 and response["HX-Redirect"] == "/topics/grpo/"
    else:
        assert response.status_code == 302 and response["Location"] == "/topics/grpo/"
    acronym.refresh_from_db()
    assert acronym.paper_count == 4
    action = ModerationAction.objects.get()
    assert (action.action, action.topic, action.reason) == ("merge_topics", acronym, REASON)
    assert action.details["from"] == "Group Relative Policy Optimization"
    log = moderator_client.get(reverse("papers:moderation-log")).content.decode()
    assert "merged the topic “Group Relative Policy Optimization” into" in log and REASON in log
    assert moderator_client.get("/topics/group-relative-policy-optimization/").status_code == 301


def test_a_moderator_splits_a_spelling_off_and_renames_a_topic(moderator_client, grpo):
    acronym, expansion = grpo
    topics.merge_topics(make_moderator(), expansion, acronym, REASON)
    response = moderator_client.post(
        reverse("papers:topic-split", args=["grpo"]), {"alias": "group-relative-policy-optimization", "reason": REASON}
    )
    assert response.status_code == 302
    split = Topic.objects.get(slug="group-relative-policy-optimization")
    assert split.paper_count == 1 and Topic.objects.get(slug="grpo").paper_count == 3
    response = moderator_client.post(
        reverse("papers:topic-rename", args=["grpo"]), {"name": "GRPO (policy optimisation)", "reason": REASON}
    )
    assert response.status_code == 302 and response["Location"] == "/topics/grpo-policy-optimisation/"
    renamed = Topic.objects.get(pk=acronym.pk)
    assert (renamed.name, renamed.name_decided_by_moderator) == ("GRPO (policy optimisation)", True)
    assert moderator_client.get("/topics/grpo/").status_code == 301
    assert [a.action for a in ModerationAction.objects.order_by("pk")] == [
        "merge_topics",
        "split_topic",
        "rename_topic",
    ]


def test_a_correction_without_a_reason_or_with_a_bad_target_changes_nothing(moderator_client, grpo):
    acronym, expansion = grpo
    before = dump_database()
    response = moderator_client.post(reverse("papers:topic-merge", args=["grpo"]), {"into": "grpo", "reason": REASON})
    assert response.status_code == 400 and "That is this topic" in response.content.decode()
    response = moderator_client.post(reverse("papers:topic-merge", args=["grpo"]), {"into": "nothing", "reason": ""})
    assert response.status_code == 400 and "Give a reason" in response.content.decode()
    response = moderator_client.post(reverse("papers:topic-split", args=["grpo"]), {"alias": "grpo", "reason": REASON})
    assert response.status_code == 400 and "only spelling" in response.content.decode()
    htmx = moderator_client.post(
        reverse("papers:topic-rename", args=["grpo"]), {"name": "", "reason": REASON}, headers={"HX-Request": "true"}
    )
    assert htmx.status_code == 200 and 'id="topic-moderation"' in htmx.content.decode()
    assert dump_database() == before


@pytest.mark.parametrize("action", ["merge", "split", "rename"])
def test_only_moderators_correct_topics(client, member, grpo, action):
    before = dump_database()
    url = reverse(f"papers:topic-{action}", args=["grpo"])
    data = {"into": "group-relative-policy-optimization", "alias": "grpo", "name": "New", "reason": REASON}
    anonymous = client.post(url, data)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    client.force_login(member)
    assert client.post(url, data).status_code == 403
    assert client.get(url).status_code == 405
    assert dump_database() == before


def test_only_moderators_see_the_correction_forms(client, member, moderator, grpo):
    assert "topic-moderation" not in client.get("/topics/grpo/").content.decode()
    client.force_login(member)
    assert "topic-moderation" not in client.get("/topics/grpo/").content.decode()
    client.force_login(moderator)
    page = client.get("/topics/grpo/").content.decode()
    assert 'id="topic-moderation"' in page and 'name="csrfmiddlewaretoken"' in page


def test_imports_keep_the_moderators_corrections():
    import_days("2026-08-17", "2026-08-18", "2026-08-19")
    moderator = make_moderator()
    harness = TopicAlias.objects.get(slug="agent-harness")
    assert harness.topic == TopicAlias.objects.get(slug="agent-harnesses").topic
    topics.split_alias(moderator, harness, REASON)
    gaussian = TopicAlias.objects.get(slug="3dgs").topic
    topics.rename_topic(moderator, gaussian, "Gaussian splatting (3D)", REASON)
    rl = TopicAlias.objects.get(slug="reinforcement-learning").topic
    sft = TopicAlias.objects.get(slug="supervised-fine-tuning").topic
    topics.merge_topics(moderator, sft, rl, REASON)  # wrong, but a moderator's decision
    before = dump_database()
    import_days("2026-08-17", "2026-08-18", "2026-08-19")
    assert dump_database() == before
    Paper.objects.all().delete()  # the papers come back from the files; the spellings keep their places
    import_days("2026-08-19", "2026-08-18", "2026-08-17")
    assert TopicAlias.objects.get(slug="agent-harness").topic != TopicAlias.objects.get(slug="agent-harnesses").topic
    assert Topic.objects.get(pk=gaussian.pk).name == "Gaussian splatting (3D)"
    assert TopicAlias.objects.get(slug="supervised-fine-tuning").topic_id == rl.pk


# The migration that made topics concepts


def test_the_migration_merges_existing_topics_with_their_papers_and_follows(member):
    paper = make_paper(topics=("agent harness", "agent harnesses", "GRPO"))
    make_paper(topics=("agent harnesses",))
    follows.follow(member, Topic.objects.get(slug="agent-harness"))
    follows.mute(member, Topic.objects.get(slug="agent-harnesses"))
    TopicAlias.objects.all().delete()  # as before the migration
    importlib.import_module("papers.migrations.0011_topic_concepts").convert(apps, None)
    concept = Topic.objects.get(slug="agent-harnesses")
    assert not Topic.objects.filter(slug="agent-harness").exists()
    assert set(TopicAlias.objects.filter(topic=concept).values_list("slug", flat=True)) == {
        "agent-harness",
        "agent-harnesses",
    }
    assert concept.paper_count == 2 and concept.name == "agent harnesses"
    assert list(paper.paper_topics.values_list("topic__slug", flat=True)) == ["agent-harnesses", "grpo"]
    assert list(Follow.objects.values_list("topic_id", "mode")) == [(concept.pk, "follow")]


# Queries


def test_the_topic_page_and_welcome_run_a_bounded_number_of_queries(
    client, member, moderator, django_assert_max_num_queries
):
    for n in range(30):
        make_paper(topics=("agent harness", f"topic {n}", "GRPO"), authors=(f"Author {n}", "Ada Lovelace"))
    make_paper(topics=("agent harnesses",))
    plural = Topic.objects.get(slug="agent-harnesses")
    topics.merge_topics(make_moderator(), plural, make_topic("agent harness"), REASON)
    with django_assert_max_num_queries(14):
        assert client.get("/topics/agent-harness/").status_code == 200
    client.force_login(moderator)
    with django_assert_max_num_queries(22):
        assert client.get("/topics/agent-harness/").status_code == 200
    client.force_login(member)
    with django_assert_max_num_queries(14):
        response = client.get("/welcome/")
    names = [topic.name for topic in response.context["topics"]]
    assert len(names) == len(set(names)) and "agent harnesses" not in names


def an_acronym_and_its_expansion() -> Topic:
    """One topic, "3D Gaussian Splatting", also spelt "3DGS"."""
    topic = make_topic("3D Gaussian Splatting")
    TopicAlias.objects.create(topic=topic, slug="3dgs", name="3DGS", key="3dgs")
    return topic


@pytest.mark.parametrize("with_htmx", [False, True])
def test_following_a_topic_by_another_spellings_address_follows_the_topic(member_client, member, with_htmx):
    topic = an_acronym_and_its_expansion()
    headers = {"HX-Request": "true"} if with_htmx else {}
    response = member_client.post("/topics/3dgs/follow/", {"next": "/"}, headers=headers)
    assert response.status_code in {200, 302}
    assert follows.stance(member, topic) == "follow"
    member_client.post("/topics/3dgs/mute/", {"next": "/"})
    assert follows.stance(member, topic) == "mute"
    assert member_client.post("/topics/no-such-spelling/follow/").status_code == 404


def test_pasting_any_spelling_of_a_topic_follows_the_topic(member):
    topic = an_acronym_and_its_expansion()
    make_topic("Reinforcement learning")
    report = follows.import_follows(member, "3dgs\nReinforcement Learning\n3D gaussian splatting\nnothing like it")
    assert follows.stance(member, topic) == "follow"
    assert report.followed == ["3D Gaussian Splatting (topic)", "Reinforcement learning (topic)"]
    assert report.not_found == ["nothing like it"]
