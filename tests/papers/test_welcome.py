"""/welcome/: after sign-up, follow some of the month's most active topics and organisations, or skip."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from papers import follows
from papers.models import Follow, Organization, Topic
from tests.accounts.helpers import sign_up
from tests.factories import make_organization, make_paper, make_topic

pytestmark = pytest.mark.django_db

LATEST = dt.date(2026, 8, 18)


@pytest.fixture
def activity():
    """Topic n on 25 - n recent papers and "everything" on all 25; organisations 0 to 10 on two papers each
    and 11 to 13 on one; an old topic and lab busier than any, but listed 31 days before the latest day."""
    for i in range(25):
        topics = ("everything", *(f"topic {n:02d}" for n in range(i + 1)))
        make_paper(topics=topics, organization=make_organization(f"org{i % 14}", f"Org {i % 14:02d}"), listed_on=LATEST)
    old = make_organization("old", "Old Lab")
    for _ in range(26):
        make_paper(topics=("old topic",), organization=old, listed_on=LATEST - dt.timedelta(days=31))


def test_the_page_lists_the_most_active_topics_and_organisations_with_counts(member_client, activity):
    response = member_client.get("/welcome/")
    assert response.status_code == 200
    topics, organizations = response.context["topics"], response.context["organizations"]
    assert len(topics) == 20 and len(organizations) == 12
    assert [(t.name, t.recent_papers) for t in topics[:4]] == [
        ("everything", 25),
        ("topic 00", 25),
        ("topic 01", 24),
        ("topic 02", 23),
    ]
    assert [t.name for t in topics][-1] == "topic 18"
    assert [(o.name, o.recent_papers) for o in organizations] == [(f"Org {n:02d}", 2) for n in range(11)] + [
        ("Org 11", 1)
    ]
    assert "old topic" not in {t.name for t in topics} and "Old Lab" not in {o.name for o in organizations}
    text = response.text
    assert 'name="topics" value="' in text and 'name="organizations" value="' in text
    assert 'everything <span class="muted">25 papers</span>' in text
    assert "Org 12" not in text and "Org 13" not in text  # the 13th and 14th most active are left out
    assert (
        '<button type="submit" name="follow" value="1"' in text
        and '<button type="submit" name="skip" value="1"' in text
    )


def test_each_list_is_one_aggregate_query(client, member, activity, django_assert_max_num_queries):
    client.force_login(member)
    with CaptureQueriesContext(connection) as queries:
        client.get("/welcome/")
    sql = [q["sql"] for q in queries.captured_queries]
    assert len([q for q in sql if 'FROM "papers_topic"' in q and "COUNT(" in q]) == 1
    assert len([q for q in sql if 'FROM "papers_organization"' in q and "COUNT(" in q]) == 1
    # session, member, moderator?, unread count, latest day, topics, organisations, the member's stances
    with django_assert_max_num_queries(8):
        client.get("/welcome/")


def test_following_from_the_page_then_on_to_the_feed(member_client, member, activity):
    topics = Topic.objects.filter(name__in=["topic 00", "everything"])
    org = Organization.objects.get(name="Org 03")
    data = {"topics": [t.pk for t in topics], "organizations": [org.pk], "follow": "1"}
    response = member_client.post("/welcome/", data)
    assert response.status_code == 302
    assert response["Location"] == "/feed/"
    assert {str(f.target_object) for f in Follow.objects.filter(user=member, mode="follow")} == {
        "topic 00",
        "everything",
        "Org 03",
    }
    member.refresh_from_db()
    assert member.onboarded_at is not None


def test_already_followed_choices_show_checked(member_client, member, activity):
    follows.follow(member, Topic.objects.get(name="everything"))
    topic = Topic.objects.get(name="everything")
    text = member_client.get("/welcome/").text
    assert f'value="{topic.pk}" id="welcome-topic-{topic.pk}" checked disabled' in text
    member_client.post("/welcome/", {"topics": [topic.pk]})
    assert Follow.objects.filter(user=member).count() == 1


def test_skipping_follows_nothing_and_marks_the_member_onboarded(member_client, member, activity):
    topic = Topic.objects.get(name="everything")
    response = member_client.post("/welcome/", {"topics": [topic.pk], "skip": "1"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert not Follow.objects.exists()
    member.refresh_from_db()
    assert member.onboarded_at is not None


def test_the_first_onboarding_time_is_kept(member_client, member):
    member_client.post("/welcome/", {"skip": "1"})
    member.refresh_from_db()
    first = member.onboarded_at
    member_client.post("/welcome/", {"skip": "1"})
    member.refresh_from_db()
    assert member.onboarded_at == first


def test_odd_choices_are_ignored(member_client, member, activity):
    data = {"topics": ["x", "", "-1", "²", "99999999999999999999", "0"], "organizations": ["1 OR 1=1"]}
    response = member_client.post("/welcome/", data)
    assert response.status_code == 302
    assert not Follow.objects.exists()


def test_get_changes_nothing(member_client, member, activity):
    member_client.get("/welcome/")
    member.refresh_from_db()
    assert member.onboarded_at is None


def test_anonymous_visitors_go_to_login(client):
    assert client.get("/welcome/")["Location"] == "/accounts/login/?next=/welcome/"
    response = client.post("/welcome/", {"skip": "1"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_an_empty_site_still_lets_the_member_go_on(member_client, member):
    text = member_client.get("/welcome/").text
    assert "nothing to suggest" in text
    assert member_client.post("/welcome/", {"follow": "1"})["Location"] == "/feed/"


def test_sign_up_leads_to_the_welcome_page(client, mailoutbox):
    make_topic("agents")
    response = sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == "/welcome/"
    assert client.get(response["Location"]).status_code == 200
    assert User.objects.get(username="grace").onboarded_at is None
