"""The feed's pages: `/feed/`, `/` and `/papers/`, "Load more", and "Less like this" / "Mute this reason"."""

import datetime as dt
import re

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.db import transaction
from django.test import Client

from papers import feed
from papers.models import Authorship, FeedSignal, Follow, Listing, Paper, PaperSimilarity, PaperTopic, PaperVote
from tests.factories import make_author, make_comment, make_organization, make_paper, make_topic, make_user

pytestmark = pytest.mark.django_db

LATEST = dt.date(2026, 8, 18)


def follow(user, target, mode=Follow.Mode.FOLLOW) -> Follow:
    kind = {"Topic": "topic", "Author": "author", "Organization": "organization", "User": "member"}
    field = kind[type(target).__name__]
    return Follow.objects.create(user=user, target=field, mode=mode, **{field: target})


def make_papers(count: int, *, listed_on=LATEST, topics=(), authors=(), organizations=(), title="Paper {n:03d}"):
    """`count` papers in a few bulk queries (make_paper takes a dozen each): paper n has `hf_upvotes` n.

    `authors` and `topics` are name patterns formatted with n; organisations are taken in turn.
    """
    papers = []
    for n in range(count):
        paper = Paper(
            arxiv_id=f"2608.{n + 50000:05d}",
            title=title.format(n=n),
            hf_upvotes=n,
            first_listed_on=listed_on(n) if callable(listed_on) else listed_on,
            last_listed_on=listed_on(n) if callable(listed_on) else listed_on,
            organization=organizations[n % len(organizations)] if organizations else None,
        )
        paper.refresh_sort_keys()
        papers.append(paper)
    Paper.objects.bulk_create(papers)
    Listing.objects.bulk_create(Listing(date=p.last_listed_on, paper=p, hf_position=i) for i, p in enumerate(papers))
    for model, names, make, field in (
        (Authorship, authors, make_author, "author"),
        (PaperTopic, topics, make_topic, "topic"),
    ):
        rows = []
        for n, paper in enumerate(papers):
            for position, name in enumerate(names):
                rows.append(model(paper=paper, position=position, **{field: make(name.format(n=n))}))
        model.objects.bulk_create(rows)
    return papers


def page_template(response) -> str:
    return next(t.name for t in response.templates if t.name in ("papers/feed.html", "papers/paper_list.html"))


def item_titles(response) -> list[str]:
    return [item.paper.title for item in response.context["page"].items]


@pytest.fixture
def vision(member):
    """The member follows "vision", which 35 papers of the latest day carry: more than a page."""
    topic = make_topic("vision")
    follow(member, topic)
    make_papers(35, title="Vision paper {n:02d}", topics=("vision",))
    return topic


# The page


def test_the_feed_lists_papers_as_rows_with_why_and_both_controls(member_client, member, vision):
    response = member_client.get("/feed/")
    assert response.status_code == 200
    assert response["Vary"].count("HX-Request") == 1
    text = response.text
    assert item_titles(response)[0] == "Vision paper 34"
    assert text.count('class="feed-item"') == 30
    assert text.count('class="paper-row"') == 30
    assert "Why it is here</span>" in text and '<a href="/topics/vision/">You follow vision</a>' in text
    paper = Paper.objects.get(title="Vision paper 34")
    assert f'action="/feed/less/{paper.arxiv_id}/"' in text
    assert f'data-hx-post="/feed/less/{paper.arxiv_id}/"' in text
    assert 'action="/feed/mute/"' in text
    assert re.search(rf'name="kind" value="topic">\s*<input type="hidden" name="target_id" value="{vision.pk}">', text)
    assert '<a href="/feed/" aria-current="page">For you</a>' in text
    # For feed readers that discover feeds:
    assert f'title="Your feed (private)" href="/feeds/{member.feed_token}/">' in text
    assert '<a href="/papers/">All papers</a>' in text


def test_the_feed_shows_the_despite_mute_note(member_client, member):
    follow(member, make_topic("diffusion models"), Follow.Mode.MUTE)
    follow(member, make_author("Yann LeCun"))
    make_paper(authors=("Yann LeCun",), topics=("diffusion models",))
    text = member_client.get("/feed/").text
    assert "Shown although you mute “diffusion models”: you follow Yann LeCun" in text


def test_a_similar_reason_offers_to_stop_using_its_seed(member_client, member):
    seed, paper = make_paper(title="Policy gradients"), make_paper()
    seed.upvote(member)
    PaperSimilarity.objects.create(paper=seed, similar=paper, score=0.5)
    text = member_client.get("/feed/").text
    assert f'<a href="{seed.get_absolute_url()}">Similar to “Policy gradients” that you upvoted</a>' in text
    assert re.search(rf'name="kind" value="similar">\s*<input type="hidden" name="target_id" value="{seed.pk}">', text)


def test_the_feed_needs_a_login(client):
    response = client.get("/feed/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/feed/"


def test_a_member_who_follows_nothing_is_invited_and_sees_trending_papers(member_client):
    make_paper(title="Hot paper", hf_upvotes=50)
    response = member_client.get("/feed/")
    assert response.status_code == 200
    assert "Make this page yours" in response.text
    assert 'href="/welcome/"' in response.text
    assert "Hot paper" in response.text
    assert response.text.count('class="paper-row"') == 1


def test_a_member_whose_follows_have_nothing_new_still_sees_trending_papers(member_client, member):
    follow(member, make_topic("robotics"))
    make_paper(title="Hot paper", hf_upvotes=50)
    text = member_client.get("/feed/").text
    assert "Nothing new from what you follow in the last 30 days" in text
    assert "Make this page yours" not in text
    assert "Hot paper" in text


def test_the_recency_choice_changes_the_order_from_the_next_request(member_client, member):
    follow(member, make_topic("vision"))
    follow(member, make_author("Yann LeCun"))
    new = make_paper(title="New on vision", topics=("vision",))
    old = make_paper(title="Older by Yann", authors=("Yann LeCun",), listed_on=LATEST - dt.timedelta(days=10))
    assert item_titles(member_client.get("/feed/")) == [new.title, old.title]
    member.recency = member.Recency.LITTLE
    member.save(update_fields=["recency"])
    feed.settings_saved(member, ["recency"])  # what the settings page and PATCH /api/v1/me do after saving
    assert item_titles(member_client.get("/feed/")) == [old.title, new.title]


# Pages, with and without JavaScript


def test_without_javascript_load_more_is_a_link_to_the_next_page(member_client, vision):
    first = member_client.get("/feed/")
    last_shown = first.context["page"].items[-1].paper.pk
    link = rf'<a rel="next" class="button" href="\?page=2" data-hx-get="\?page=2&amp;after={last_shown}"'
    assert re.search(link, first.text)
    assert 'rel="prev"' not in first.text
    second = member_client.get("/feed/?page=2")
    assert second.status_code == 200
    assert item_titles(second) == [f"Vision paper {n:02d}" for n in range(4, -1, -1)]
    assert "<html" in second.text
    assert '<a rel="prev" href="?">← Previous page</a>' in second.text
    assert 'rel="next"' not in second.text


def test_with_htmx_load_more_appends_only_the_items_and_the_next_load_more(member_client, vision, htmx):
    assert 'data-hx-target="#feed-items" data-hx-swap="beforeend">Load more</a>' in member_client.get("/feed/").text
    response = member_client.get("/feed/?page=2", headers=htmx)
    text = response.text.strip()
    assert text.startswith('<li class="feed-item"')
    assert text.count('<li class="feed-item"') == 5
    assert "<html" not in text and "<ol" not in text and "Why it is here" in text
    assert '<nav id="feed-more" class="pager" aria-label="More papers" data-hx-swap-oob="true">' in text
    assert "Load more" not in text  # the last page
    assert response["Vary"].count("HX-Request") == 1


def test_with_htmx_load_more_continues_after_the_last_paper_shown(member_client, member, vision, htmx):
    first = member_client.get("/feed/").context["page"]
    hidden = first.items[3].paper
    member_client.post(less_url(hidden))  # the page keeps 29 papers; page 2 by number would skip one
    response = member_client.get(f"/feed/?page=2&after={first.after}", headers=htmx)
    assert item_titles(response) == [f"Vision paper {n:02d}" for n in range(4, -1, -1)]
    assert "after=" not in response.context["page"].next_query  # plain links stay page numbers
    # An `after` no longer in the feed (or nonsense) falls back to the page number.
    assert len(item_titles(member_client.get(f"/feed/?page=2&after={hidden.pk}", headers=htmx))) == 4
    assert len(item_titles(member_client.get("/feed/?page=2&after=x²", headers=htmx))) == 4


def test_with_htmx_a_change_sends_the_load_more_that_continues_after_the_papers_that_stay(
    member_client, member, vision, htmx
):
    shown = [item.paper for item in member_client.get("/feed/").context["page"].items]
    data = {"shown": [paper.pk for paper in shown]}
    text = member_client.post(less_url(shown[-1]), data, headers=htmx).text
    assert re.search(rf'<div id="feed-item-{shown[-1].pk}" data-hx-swap-oob="delete">', text)
    more = re.search(r'<nav id="feed-more"[^>]*data-hx-swap-oob="true">.*?</nav>', text, re.S)[0]
    assert f'data-hx-get="?page=2&amp;after={shown[-2].pk}"' in more and "Load more" in more
    # Everything on the page muted away: "Load more" starts from the top of what is left.
    for n in range(3):
        make_paper(title=f"Robot paper {n}", topics=("robots",), listed_on=LATEST)
    follow(member, make_topic("robots"))
    data = {"kind": "topic", "target_id": vision.pk, "shown": [paper.pk for paper in shown[:-1]]}
    text = member_client.post("/feed/mute/", data, headers=htmx).text
    assert text.count('data-hx-swap-oob="delete"') == 29
    assert 'data-hx-get="?"' in text


def test_a_page_past_the_end_goes_to_the_last_page(member_client, member, vision):
    response = member_client.get("/feed/?page=3")
    assert (response.status_code, response["Location"]) == (302, "/feed/?page=2")
    for paper in Paper.objects.filter(title__in=[f"Vision paper {n:02d}" for n in range(5)]):
        member_client.post(less_url(paper))  # page 2 muted away, as after "Less like this" on its last papers
    response = member_client.get("/feed/?page=2")
    assert (response.status_code, response["Location"]) == (302, "/feed/?")


def test_pages_that_are_no_numbers_are_not_found(member_client, vision):
    assert member_client.get("/feed/?page=0").status_code == 404


# `/`, `/papers/` and the switch


def test_home_is_the_feed_for_members_who_follow_something(member_client, vision):
    response = member_client.get("/")
    assert page_template(response) == "papers/feed.html"
    assert response.text.count('class="feed-item"') == 30
    assert 'href="?page=2"' in response.text


def test_papers_is_always_the_daily_listing(member_client, vision):
    response = member_client.get("/papers/")
    assert page_template(response) == "papers/paper_list.html"
    assert 'class="feed-item"' not in response.text
    assert response.context["day"] == LATEST


def test_home_is_the_daily_listing_for_visitors_and_members_who_follow_nothing(client, vision):
    assert page_template(client.get("/")) == "papers/paper_list.html"
    client.force_login(make_user("newcomer"))
    assert page_template(client.get("/")) == "papers/paper_list.html"


def test_home_stays_the_daily_listing_after_a_members_first_upvote_or_save(client, vision):
    """Without JavaScript an upvote comes back to the page it was made on: that page must still list the paper."""
    client.force_login(make_user("newcomer"))
    paper = Paper.objects.listed_on(LATEST).ranked_for_day("top").first()
    client.post(f"/papers/{paper.arxiv_id}/upvote/", {"next": "/"})
    client.post(f"/papers/{paper.arxiv_id}/save/", {"next": "/", "action": "save"})
    response = client.get("/")
    assert page_template(response) == "papers/paper_list.html"
    assert f'action="/papers/{paper.arxiv_id}/upvote/"' in response.text


def test_the_home_page_cache_never_serves_a_members_feed_to_visitors(settings, member_client, vision):
    settings.PAGE_CACHE_SECONDS = 60
    assert "feed-item" in member_client.get("/").text
    assert "feed-item" not in Client().get("/").text


# "Less like this"


def less_url(paper) -> str:
    return f"/feed/less/{paper.arxiv_id}/"


def test_less_like_this_without_javascript_redirects_back_and_takes_effect_next_time(member_client, member, vision):
    paper = Paper.objects.get(title="Vision paper 34")
    response = member_client.post(less_url(paper), {"next": "/feed/?page=1"})
    assert response.status_code == 302
    assert response["Location"] == "/feed/?page=1"
    assert FeedSignal.objects.filter(user=member, paper=paper, kind="less").count() == 1
    page = member_client.get("/feed/")
    assert "Vision paper 34" not in item_titles(page)
    assert "You will see less like “Vision paper 34”." in page.text


def test_less_like_this_with_htmx_removes_the_item_and_says_so(member_client, member, vision, htmx):
    paper = Paper.objects.get(title="Vision paper 34")
    response = member_client.post(less_url(paper), headers=htmx)
    assert response.status_code == 200
    assert 'id="live-messages"' in response.text and 'data-hx-swap-oob="true"' in response.text
    assert "feed-item" not in response.text
    assert "You will see less like “Vision paper 34”." in response.text


def test_less_like_this_twice_leaves_one_signal(member_client, member, vision):
    paper = Paper.objects.get(title="Vision paper 34")
    member_client.post(less_url(paper))
    member_client.post(less_url(paper))
    assert FeedSignal.objects.filter(user=member).count() == 1


def test_less_like_this_queues_the_refresh_of_the_papers_neighbours(
    member_client, vision, django_capture_on_commit_callbacks
):
    paper = Paper.objects.get(title="Vision paper 34")
    with django_capture_on_commit_callbacks() as callbacks:
        member_client.post(less_url(paper))
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks() as callbacks:
        member_client.post(less_url(paper))
    assert callbacks == []


def test_less_like_this_for_an_unknown_paper_is_not_found(member_client):
    assert member_client.post("/feed/less/2608.99999/").status_code == 404
    assert FeedSignal.objects.count() == 0


def test_less_like_this_leaves_other_members_feeds_alone(member_client, vision):
    other = make_user("carol")
    follow(other, vision)
    member_client.post(less_url(Paper.objects.get(title="Vision paper 34")))
    client = Client()
    client.force_login(other)
    assert "Vision paper 34" in item_titles(client.get("/feed/"))


# "Mute this reason"


@pytest.mark.parametrize("kind", ["topic", "author", "organization", "member"])
def test_mute_this_reason_mutes_its_target_switching_a_follow(member_client, member, kind):
    targets = {
        "topic": make_topic("vision"),
        "author": make_author("Yann LeCun"),
        "organization": make_organization(),
        "member": make_user("bob", upvotes_public=True),
    }
    target = targets[kind]
    follow(member, target)
    paper = make_paper(topics=("vision",), authors=("Yann LeCun",), organization=targets["organization"])
    paper.upvote(targets["member"])
    assert item_titles(member_client.get("/feed/")) == [paper.title]
    response = member_client.post("/feed/mute/", {"kind": kind, "target_id": target.pk, "next": "/feed/"})
    assert response.status_code == 302
    assert response["Location"] == "/feed/"
    assert Follow.objects.get(user=member).mode == "mute"
    # The member muted the only reason: the paper is gone (and a muted topic, author or org hides it anyway).
    page = member_client.get("/feed/")
    assert item_titles(page) == []
    assert "Muted " in page.text


def test_with_htmx_a_mute_removes_every_paper_of_the_page_it_takes_out_at_once(member_client, member, htmx):
    follow(member, make_topic("vision"))
    follow(member, make_topic("robots"))
    follow(member, make_author("Grace Hopper"))
    seen = make_paper(title="Seen", topics=("vision",))
    both = make_paper(title="Both topics", topics=("vision", "robots"))
    hers = make_paper(title="By Hopper", topics=("vision",), authors=("Grace Hopper",))
    robots = make_paper(title="Robots only", topics=("robots",))
    unloaded = make_paper(title="Not on the page", topics=("vision",))
    page = member_client.get("/feed/").text
    assert f'name="shown" value="{seen.pk}"' in page and 'data-hx-include=".feed-shown"' in page
    shown = [seen.pk, both.pk, hers.pk, robots.pk]
    data = {"kind": "topic", "target_id": make_topic("vision").pk, "shown": shown}
    response = member_client.post("/feed/mute/", data, headers=htmx)
    assert response.status_code == 200
    removed = re.findall(r'<div id="feed-item-(\d+)" data-hx-swap-oob="delete">', response.text)
    # A topic follow is no more specific than the topic mute; the followed author brings hers back.
    assert sorted(map(int, removed)) == sorted([seen.pk, both.pk])
    assert str(unloaded.pk) not in removed  # only what the page shows: htmx has nothing else to remove
    # The papers that stay come anew, without the muted reason: "By Hopper" keeps only the author's.
    kept = {item["id"]: item for item in BeautifulSoup(response.text, "html.parser").select("li[data-hx-swap-oob]")}
    assert set(kept) == {f"feed-item-{hers.pk}", f"feed-item-{robots.pk}"}
    reasons = [link.text for link in kept[f"feed-item-{hers.pk}"].select(".feed-reasons a")]
    assert reasons == ["You follow Grace Hopper"]


def test_with_htmx_less_like_this_removes_its_paper_whatever_else_the_page_sends(member_client, member, vision, htmx):
    paper = Paper.objects.get(title="Vision paper 34")
    data = {"shown": [paper.pk, "not a number", "-1", "9" * 40]}
    response = member_client.post(less_url(paper), data, headers=htmx)
    assert response.status_code == 200
    assert re.findall(r'<div id="feed-item-(\d+)" data-hx-swap-oob="delete">', response.text) == [str(paper.pk)]


def test_mute_this_reason_creates_a_mute_where_there_was_no_follow(member_client, member, htmx):
    topic = make_topic("diffusion models")
    response = member_client.post("/feed/mute/", {"kind": "topic", "target_id": topic.pk}, headers=htmx)
    assert response.status_code == 200
    assert "Muted diffusion models." in response.text
    assert "feed-item" not in response.text
    assert Follow.objects.filter(user=member, topic=topic, mode="mute").count() == 1
    member_client.post("/feed/mute/", {"kind": "topic", "target_id": topic.pk}, headers=htmx)
    assert Follow.objects.filter(user=member).count() == 1


def test_mute_this_reason_for_a_similar_reason_stops_using_the_seed(member_client, member):
    seed, paper = make_paper(title="Policy gradients"), make_paper()
    seed.upvote(member)
    PaperSimilarity.objects.create(paper=seed, similar=paper, score=0.5)
    response = member_client.post("/feed/mute/", {"kind": "similar", "target_id": seed.pk})
    assert response.status_code == 302
    assert FeedSignal.objects.filter(user=member, paper=seed, kind="not_seed").count() == 1
    assert item_titles(member_client.get("/feed/")) == []


@pytest.mark.parametrize(
    "data,status",
    [
        ({"kind": "topic", "target_id": "999999"}, 404),
        ({"kind": "similar", "target_id": "999999"}, 404),
        ({"kind": "member", "target_id": "999999"}, 404),
        ({"kind": "paper", "target_id": "1"}, 400),
        ({"kind": "", "target_id": "1"}, 400),
        ({"kind": "topic", "target_id": "abc"}, 400),
        ({"kind": "topic", "target_id": "²"}, 400),  # a digit to str.isdigit, not to int()
        ({"kind": "similar", "target_id": "١٢"}, 400),
        ({"kind": "topic"}, 400),
    ],
)
def test_mute_this_reason_checks_its_input(member_client, data, status):
    assert member_client.post("/feed/mute/", data).status_code == status
    assert Follow.objects.count() == FeedSignal.objects.count() == 0


def test_members_cannot_mute_themselves(member_client, member):
    # Refused as the follow buttons refuse it: 403 with the reason.
    response = member_client.post("/feed/mute/", {"kind": "member", "target_id": member.pk})
    assert response.status_code == 403 and "yourself" in response.text
    assert Follow.objects.count() == 0


# Both controls: login, method, CSRF, rate limits


@pytest.fixture
def controls():
    paper = make_paper()
    return [(f"/feed/less/{paper.arxiv_id}/", {}), ("/feed/mute/", {"kind": "topic", "target_id": make_topic("x").pk})]


def test_anonymous_clicks_lead_to_login_and_back(client, controls, htmx):
    for url, data in controls:
        response = client.post(url, data | {"next": "/feed/"})
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=/feed/"
        response = client.post(url, data | {"next": "/feed/"}, headers=htmx)
        assert response.status_code == 200
        assert response["HX-Redirect"] == "/accounts/login/?next=%2Ffeed%2F"
    assert Follow.objects.count() == FeedSignal.objects.count() == 0


def test_the_controls_only_take_posts(member_client, controls):
    for url, _data in controls:
        assert member_client.get(url).status_code == 405


def test_the_controls_need_the_csrf_token(member, controls):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    for url, data in controls:
        assert client.post(url, data).status_code == 403
        assert client.post(url, data, headers={"HX-Request": "true"}).status_code == 403
    assert Follow.objects.count() == FeedSignal.objects.count() == 0


def test_the_controls_are_rate_limited_like_votes(settings, member_client, controls):
    settings.WRITE_RATE_LIMITS = {**settings.WRITE_RATE_LIMITS, "vote": "3/60"}
    statuses = [member_client.post(url, data).status_code for url, data in controls * 2]
    assert statuses == [302, 302, 302, 429]


def test_a_next_pointing_off_site_is_ignored(member_client, controls):
    for url, data in controls:
        response = member_client.post(url, data | {"next": "https://evil.example/"})
        assert response["Location"] == "/feed/"


# Bounded queries


@pytest.fixture(scope="module")
def busy_member(django_db_setup, django_db_blocker):
    """A member following 50 things (20 topics, 15 authors, 5 organisations, 10 members) with 240 candidates.

    Built once for the module inside a transaction that is rolled back at the end.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        # No passwords: the fast hasher of the tests is not set yet for module fixtures.
        member = make_user("busy", password=None)
        members = [make_user(f"followed{n}", password=None, upvotes_public=True) for n in range(10)]
        organizations = [make_organization(f"org{n}", f"Organisation {n}") for n in range(5)]
        papers = make_papers(
            240,
            listed_on=lambda n: LATEST - dt.timedelta(days=n % 20),
            authors=("Author {n}", "Coauthor {n}"),
            topics=("topic {n}", "niche {n}"),
            organizations=organizations,
        )
        PaperVote.objects.bulk_create(PaperVote(paper=paper, user=members[n % 10]) for n, paper in enumerate(papers))
        PaperVote.objects.bulk_create(PaperVote(paper=paper, user=member) for paper in papers[::7])
        PaperSimilarity.objects.bulk_create(
            PaperSimilarity(paper=seed, similar=similar, score=0.3)
            for seed, similar in zip(papers[::7], papers[1::7], strict=True)
        )
        for paper in papers[::11]:
            make_comment(paper, members[0])
        targets = [make_topic(f"topic {n}") for n in range(20)] + [make_author(f"Author {n}") for n in range(15)]
        for target in [*targets, *organizations, *members]:
            follow(member, target)
        yield member
        transaction.set_rollback(True)


# Session, member, latest day, the stored timeline's page; the page's papers, authors, topics, votes and saves; the
# header's unread notifications and moderator check. `/` asks once more whether the member follows anything.
# The member's first read builds their timeline (tests/papers/test_timeline.py counts that one). A page rendered
# for the member's shared render reads its papers twice (their counts for the key, then their rows' columns); the
# next request for it is a hit, which reads neither the rows' authors and topics nor their columns.
@pytest.mark.parametrize("url,queries,hit", [("/feed/", 11, 8), ("/feed/?page=3", 11, 8), ("/", 12, 9)])
def test_the_feed_runs_a_bounded_number_of_queries(
    client, busy_member, django_assert_max_num_queries, url, queries, hit
):
    client.force_login(busy_member)
    assert Follow.objects.filter(user=busy_member).count() == 50
    client.get("/feed/")
    cache.clear()
    with django_assert_max_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200
    assert response.text.count('class="feed-item"') == 30
    with django_assert_max_num_queries(hit):
        again = client.get(url)
    assert again.text.count('class="feed-item"') == 30
