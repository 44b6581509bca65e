"""The private Atom feed: a member's personal feed at a secret address, and the settings that show and renew it."""

import datetime as dt

import feedparser
import pytest
from django.test import Client

from papers.feed import top_items
from papers.models import Follow
from tests.factories import make_author, make_paper, make_topic, make_user

pytestmark = pytest.mark.django_db

LATEST = dt.date(2026, 8, 19)


def follow_author(user, name):
    return Follow.objects.create(user=user, target=Follow.Target.AUTHOR, author=make_author(name))


def follow_topic(user, name):
    return Follow.objects.create(user=user, target=Follow.Target.TOPIC, topic=make_topic(name))


def parse(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    return feed


@pytest.fixture
def papers(member, other_member):
    """Ada follows Grace Hopper and the topic robots; Bob follows Alan Turing."""
    follow_author(member, "Grace Hopper")
    follow_topic(member, "robots")
    follow_author(other_member, "Alan Turing")
    return {
        "hopper": make_paper(
            "2608.10001",
            title="Compilers <for> everyone",
            authors=("Grace Hopper", "Ada Lovelace"),
            abstract="We compile <b>everything</b> & more.",
            ai_summary="A summary.",
            topics=("robots",),
            listed_on=LATEST,
            hf_upvotes=5,
        ),
        "robots": make_paper("2608.10002", title="Robot arms", authors=("Someone Else",), topics=("robots",),
                             listed_on=LATEST - dt.timedelta(days=3)),
        "turing": make_paper("2608.10003", title="Computing machinery", authors=("Alan Turing",), listed_on=LATEST),
        "old": make_paper("2608.10004", title="Old robots", authors=("Grace Hopper",), topics=("robots",),
                          listed_on=LATEST - dt.timedelta(days=20)),
        "unrelated": make_paper("2608.10005", title="Plants", authors=("Nobody",), listed_on=LATEST),
    }  # fmt: skip


def feed_url(user):
    return f"/feeds/{user.feed_token}/"


def test_the_private_feed_is_valid_atom_with_the_members_feed_of_the_last_14_days(client, member, papers):
    feed = parse(client.get(feed_url(member)))
    expected = top_items(member, since=LATEST - dt.timedelta(days=13), limit=50)
    assert [entry.title for entry in feed.entries] == [item.paper.title for item in expected]
    assert [entry.title for entry in feed.entries] == ["Compilers <for> everyone", "Robot arms"]  # not "Old robots"
    assert feed.feed.title == "Paper Commons: papers for @ada"
    entry = feed.entries[0]
    assert entry.link == "http://testserver/papers/2608.10001/"
    assert entry.id == "http://testserver/papers/2608.10001/"
    assert [author.name for author in entry.authors] == ["Grace Hopper", "Ada Lovelace"]
    assert entry.published.startswith("2026-08-15") and entry.updated.startswith("2026-08-19")
    # The summary is HTML (type="html") whose mirrored text is escaped; the reasons come first, as text.
    assert "Why: You follow Grace Hopper; You follow robots" in entry.summary
    assert "&lt;b&gt;everything&lt;/b&gt; &amp; more." in entry.summary and "A summary." in entry.summary
    assert [tag.term for tag in entry.tags] == ["robots"]


def test_another_members_token_shows_their_feed_not_mine(client, member, other_member, papers):
    client.force_login(member)
    feed = parse(client.get(feed_url(other_member)))
    assert feed.feed.title == "Paper Commons: papers for @bob"
    assert [entry.title for entry in feed.entries] == ["Computing machinery"]


def test_the_token_alone_opens_the_feed_without_cookies_csrf_or_caches(member, papers):
    response = Client().get(feed_url(member))
    parse(response)
    assert not response.cookies
    assert "csrf" not in response.content.decode().lower()
    cache_control = response["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control
    assert response["X-Robots-Tag"] == "noindex"


def test_the_anonymous_page_cache_never_keeps_the_private_feed(settings, client, member, papers):
    settings.PAGE_CACHE_SECONDS = 60
    url = feed_url(member)
    assert len(parse(client.get(url)).entries) == 2
    follow_author(member, "Alan Turing")
    assert len(parse(client.get(url)).entries) == 3  # fresh, not the cached copy
    member.regenerate_feed_token()
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("token", ["nope", "x" * 43, ""])
def test_unknown_tokens_are_not_found(client, member, token):
    assert client.get(f"/feeds/{token}/").status_code == 404


def test_a_new_address_revokes_the_old_one_at_once(client, member, papers):
    old = feed_url(member)
    client.force_login(member)
    response = client.post("/settings/feed-token/")
    assert response.status_code == 302 and response["Location"] == "/settings/#your-feed"
    member.refresh_from_db()
    assert feed_url(member) != old
    anonymous = Client()
    assert anonymous.get(old).status_code == 404
    parse(anonymous.get(feed_url(member)))
    assert "Your private feed has a new address" in client.get("/settings/").text


def test_deleted_and_deactivated_members_feeds_are_gone(client, member, other_member, papers):
    ada, bob = feed_url(member), feed_url(other_member)
    member.anonymize()
    other_member.is_active = False
    other_member.save()
    assert client.get(ada).status_code == 404
    assert client.get(bob).status_code == 404
    assert client.get(feed_url(member)).status_code == 404  # nor the token anonymisation gave


def test_the_entries_are_the_papers_the_feed_engine_loaded_with_their_texts(
    member, papers, monkeypatch, django_assert_num_queries
):
    from papers import atom

    picked = []

    def recording_top_items(*args, **kwargs):
        picked.extend(top_items(*args, **kwargs))
        return picked

    monkeypatch.setattr(atom, "top_items", recording_top_items)
    entries = atom.PrivateFeed().items(member)
    assert len(entries) == len(picked) == 2
    assert all(entry is item.paper for entry, item in zip(entries, picked, strict=True))  # not loaded again
    with django_assert_num_queries(0):
        texts = [(paper.abstract, paper.ai_summary, paper.authors_text, paper.keywords) for paper in entries]
    assert texts[0] == ("We compile <b>everything</b> & more.", "A summary.", "Grace Hopper, Ada Lovelace", ["robots"])


def test_a_member_who_follows_nothing_gets_a_valid_empty_feed(client):
    loner = make_user("loner")
    make_paper(listed_on=LATEST)
    assert parse(client.get(feed_url(loner))).entries == []


def test_an_empty_site_still_gives_a_valid_feed(client, member):
    assert parse(client.get(feed_url(member))).entries == []


def test_the_private_feed_stays_bounded_with_many_papers(client, member, django_assert_max_num_queries):
    follow_author(member, "Grace Hopper")
    follow_topic(member, "robots")
    for n in range(60):
        make_paper(authors=("Grace Hopper", f"Coauthor {n}"), topics=("robots", f"topic {n}"), listed_on=LATEST)
    with django_assert_max_num_queries(20):
        feed = parse(client.get(feed_url(member)))
    assert len(feed.entries) == 50


# --- The "New address" route -------------------------------------------------------------------------------


def test_a_new_address_needs_a_login_and_a_post(client, member):
    token = member.feed_token
    response = client.post("/settings/feed-token/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.force_login(member)
    assert client.get("/settings/feed-token/").status_code == 405
    member.refresh_from_db()
    assert member.feed_token == token


def test_a_new_address_needs_the_csrf_token(member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    token = member.feed_token
    assert client.post("/settings/feed-token/").status_code == 403
    member.refresh_from_db()
    assert member.feed_token == token


def test_a_new_address_with_htmx_redirects_too(member_client, member, htmx):
    token = member.feed_token
    response = member_client.post("/settings/feed-token/", headers=htmx)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.feed_token != token


def test_new_addresses_are_rate_limited(settings, member_client, member):
    settings.WRITE_RATE_LIMITS = {**settings.WRITE_RATE_LIMITS, "settings": "2/600"}
    assert member_client.post("/settings/feed-token/").status_code == 302
    assert member_client.post("/settings/feed-token/").status_code == 302
    member.refresh_from_db()
    token = member.feed_token
    assert member_client.post("/settings/feed-token/").status_code == 429
    member.refresh_from_db()
    assert member.feed_token == token


def test_a_member_renews_only_their_own_address(client, member, other_member):
    bobs = other_member.feed_token
    client.force_login(member)
    client.post("/settings/feed-token/")
    other_member.refresh_from_db()
    assert other_member.feed_token == bobs


# --- Settings ------------------------------------------------------------------------------------------------


def test_settings_show_the_absolute_feed_address_and_the_feed_and_digest_choices(member_client, member):
    text = member_client.get("/settings/").text
    assert f'value="http://testserver/feeds/{member.feed_token}/" readonly' in text
    assert 'form="feed-token-form"' in text and 'action="/settings/feed-token/"' in text
    assert "<legend>Your feed</legend>" in text and "<legend>Digest</legend>" in text
    assert 'type="radio" name="recency" value="2" id="id_recency_1" checked' in text
    assert 'type="radio" name="digest" value="off" id="id_digest_0" checked' in text
    assert "Verify your email address" in text  # no verified address yet


def test_settings_name_the_address_digests_go_to(member_client, member):
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=member, email=member.email, primary=True, verified=True)
    text = member_client.get("/settings/").text
    assert f"Sent to {member.email} from 07:00 UTC" in text and "Verify your email address" not in text


def test_settings_describe_the_feed_and_digest_with_their_real_sizes(member_client, member, monkeypatch):
    from allauth.account.models import EmailAddress

    from papers import atom, digests

    EmailAddress.objects.create(user=member, email=member.email, primary=True, verified=True)
    text = member_client.get("/settings/").text
    assert "The best 50 papers of your feed over the last 14 days." in text and "Up to 10 papers" in text
    monkeypatch.setattr(atom, "FEED_ITEMS", 30)
    monkeypatch.setattr(atom, "PRIVATE_FEED_DAYS", 7)
    monkeypatch.setattr(digests, "DIGEST_PAPERS", 5)
    text = member_client.get("/settings/").text
    assert "The best 30 papers of your feed over the last 7 days." in text and "Up to 5 papers" in text


def test_settings_save_the_digest_and_recency(member_client, member):
    response = member_client.post("/settings/", {"display_name": "Ada", "digest": "weekly", "recency": "3"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.digest, member.recency, member.display_name) == ("weekly", 3, "Ada")
    text = member_client.get("/settings/").text
    assert 'value="weekly" id="id_digest_2" checked' in text and 'value="3" id="id_recency_2" checked' in text


def test_settings_without_the_feed_fields_keep_them(member_client, member):
    member.digest, member.recency = "daily", 1
    member.save()
    assert member_client.post("/settings/", {"display_name": "Ada"}).status_code == 302
    member.refresh_from_db()
    assert (member.digest, member.recency) == ("daily", 1)


@pytest.mark.parametrize("data", [{"digest": "hourly"}, {"recency": "9"}])
def test_settings_refuse_unknown_choices(member_client, member, data):
    response = member_client.post("/settings/", data)
    assert response.status_code == 200 and "Select a valid choice" in response.text
    member.refresh_from_db()
    assert (member.digest, member.recency) == ("off", 2)


def test_an_entry_says_why_it_shows_despite_a_mute(client, member):
    follow_author(member, "Grace Hopper")
    Follow.objects.create(user=member, target=Follow.Target.TOPIC, topic=make_topic("robots"), mode=Follow.Mode.MUTE)
    make_paper(title="Hopper's robots", authors=("Grace Hopper",), topics=("robots",), listed_on=LATEST)
    make_paper(title="Other robots", authors=("Someone Else",), topics=("robots",), listed_on=LATEST)
    [entry] = parse(client.get(feed_url(member))).entries
    assert entry.title == "Hopper's robots"
    assert "Why: You follow Grace Hopper; Shown although you mute “robots”: you follow Grace Hopper" in entry.summary
