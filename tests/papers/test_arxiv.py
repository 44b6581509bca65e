"""papers.arxiv: reading what members paste, and the arXiv API client against recorded responses (no network)."""

import dataclasses
import datetime as dt
import threading

import pytest
import requests
from django.db import connection
from urllib3.response import HTTPResponse

from papers import arxiv
from papers.arxiv import ArxivEntry, ArxivError, fetch_arxiv_entry, parse_arxiv_reference, parse_feed, submit_paper
from papers.models import Author, Follow, Listing, Notification, Paper, Submission, author_slug
from tests.factories import make_user
from tests.support.arxiv import (
    HEAT_BATH,
    LEGACY,
    MALFORMED_ID,
    NO_RESULTS,
    OLD_STYLE,
    TWO_IDS,
    atom,
    serve,
)

# --- parse_arxiv_reference ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2608.15265", "2608.15265"),
        ("2608.15265v2", "2608.15265"),
        ("arXiv:2608.15265", "2608.15265"),
        ("arxiv:2608.15265v4", "2608.15265"),
        ("https://arxiv.org/abs/2608.15265", "2608.15265"),
        ("http://arxiv.org/abs/2608.15265v3", "2608.15265"),
        ("https://arxiv.org/pdf/2608.15265", "2608.15265"),
        ("https://arxiv.org/pdf/2608.15265v1.pdf", "2608.15265"),
        ("https://arxiv.org/pdf/2608.15265.pdf", "2608.15265"),
        ("https://arxiv.org/html/2608.15265v1", "2608.15265"),
        ("https://export.arxiv.org/abs/2608.15265", "2608.15265"),
        ("https://www.arxiv.org/abs/2608.15265", "2608.15265"),
        ("https://arxiv.org/abs/2608.15265/", "2608.15265"),
        ("https://arxiv.org/abs/2608.15265?context=cs#section", "2608.15265"),
        ("HTTPS://ArXiv.org/abs/2608.15265", "2608.15265"),
        ("arxiv.org/abs/2608.15265", "2608.15265"),
        ("https://huggingface.co/papers/2608.15265", "2608.15265"),
        ("huggingface.co/papers/2608.15265", "2608.15265"),
        ("1605.08386", "1605.08386"),
        ("0704.0001", "0704.0001"),
        ("hep-th/9901001", "hep-th/9901001"),
        ("hep-th/9901001v3", "hep-th/9901001"),
        ("math.GT/0309136", "math.GT/0309136"),
        ("arXiv:math.GT/0309136v1", "math.GT/0309136"),
        ("arxiv.org/abs/astro-ph/0601001v2", "astro-ph/0601001"),
        ("https://arxiv.org/pdf/astro-ph/0601001v1", "astro-ph/0601001"),
        ("  2608.15265  ", "2608.15265"),
        ("\thttps://arxiv.org/abs/2608.15265\n", "2608.15265"),
    ],
)
def test_an_accepted_reference_gives_the_canonical_id(text, expected):
    assert parse_arxiv_reference(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "attention is all you need",
        "2608.152",
        "2608.152655",
        "26081.5265",
        "2608.15265v",
        "hep-th/990100",
        "HEP-TH/9901001",
        "https://example.com/abs/2608.15265",
        "https://arxiv.org.example.com/abs/2608.15265",
        "https://arxiv.org/list/cs.AI/recent",
        "https://arxiv.org/abs/",
        "https://arxiv.org/abs/not-an-id",
        "https://arxiv.org/2608.15265",
        "https://huggingface.co/2608.15265",
        "https://huggingface.co/datasets/2608.15265",
        "ftp://arxiv.org/abs/2608.15265",
        "javascript:alert(1)//arxiv.org/abs/2608.15265",
        "http://[::1/abs/2608.15265",
        "2608.15265 2608.15266",
        "https://arxiv.org/abs/" + "1" * 400,
    ],
)
def test_anything_else_is_rejected(text):
    assert parse_arxiv_reference(text) is None


# --- Parsing the Atom ---------------------------------------------------------------------------


def test_a_current_feed_entry_is_read_whole():
    assert parse_feed(atom(HEAT_BATH)) == [
        ArxivEntry(
            arxiv_id="1605.08386",
            version=1,
            title="Heat-bath random walks with Markov bases",
            abstract=(
                "Graphs on lattice points are studied whose edges come from a finite set of allowed moves of "
                "arbitrary length. We show that the diameter of these graphs on fibers of a fixed integer matrix "
                "can be bounded from above by a constant. We then study the mixing behaviour of heat-bath random "
                "walks on these graphs. We also state explicit conditions on the set of moves so that the "
                "heat-bath random walk, a generalization of the Glauber dynamics, is an expander in fixed dimension."
            ),
            authors=("Caprice Stanley", "Tobias Windisch"),
            published=dt.datetime(2016, 5, 26, 17, 59, 46, tzinfo=dt.UTC),
            updated=dt.datetime(2016, 5, 26, 17, 59, 46, tzinfo=dt.UTC),
            primary_category="math.CO",
            categories=("math.CO", "math.ST"),
            pdf_url="https://arxiv.org/pdf/1605.08386v1",
            comment="20 pages, 3 figures",
        )
    ]


def test_a_legacy_feed_has_its_hard_wrapped_title_and_abstract_joined_and_its_doi_read():
    [entry] = parse_feed(atom(LEGACY))
    assert entry.arxiv_id == "1111.2011"
    assert entry.version == 2
    assert entry.title == "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
    assert entry.abstract.startswith("Theoretical description of anisotropic systems, such as layered superconductors")
    assert entry.abstract.endswith("adding a single extra dimension to the theory describing a single node.")
    assert "\n" not in entry.abstract and "  " not in entry.abstract
    assert entry.authors == ("James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic")
    assert entry.published == dt.datetime(2011, 11, 8, 18, 48, 36, tzinfo=dt.UTC)
    assert entry.updated == dt.datetime(2012, 4, 2, 12, 38, 54, tzinfo=dt.UTC)
    assert entry.primary_category == "cond-mat.str-el"
    assert entry.categories == ("cond-mat.str-el", "cond-mat.stat-mech")
    assert entry.pdf_url == "http://arxiv.org/pdf/1111.2011v2"
    assert entry.doi == "10.1103/PhysRevB.85.115117"
    assert entry.journal_ref == "Phys. Rev. B 85, 115117 (2012)"
    assert entry.comment == "8 pages, 3 figures. Published version"


def test_an_old_style_id_is_read_with_its_journal_ref_and_decoded_entities():
    [entry] = parse_feed(atom(OLD_STYLE))
    assert entry.arxiv_id == "astro-ph/0601001"
    assert entry.version == 1
    assert entry.title.startswith("Frequency of Hot Jupiters and Very Hot Jupiters")
    assert entry.authors == ("Andrew Gould", "Susan Dorsher", "B. Scott Gaudi", "Andrzej Udalski")
    assert entry.published == dt.datetime(2006, 1, 2, 14, 57, 58, tzinfo=dt.UTC)
    assert entry.primary_category == "astro-ph"
    assert entry.pdf_url == "https://arxiv.org/pdf/astro-ph/0601001v1"
    assert entry.journal_ref == "ActaAstron.56:1-50,2006"
    assert entry.doi == ""
    assert "Gould & Morgan (2003)" in entry.abstract
    assert "V_max<17.5" in entry.abstract
    assert not entry.abstract.startswith(" ")


def test_a_feed_for_two_ids_holds_only_the_one_that_exists_with_all_its_authors_in_order():
    [entry] = parse_feed(atom(TWO_IDS))
    assert entry.arxiv_id == "1707.08567"
    assert entry.title == "Proceedings of Workshop AEW10: Concepts in Information Theory and Communications"
    assert len(entry.authors) == 34
    assert entry.authors[:3] == ("Kees A. Schouhamer Immink", "Stan Baggen", "Ferdaous Chaabane")
    assert entry.authors[-1] == "Hirosuke Yamamoto"
    assert "Dirk WÃ¼bben" in entry.authors  # mojibake as recorded: kept, not guessed at
    assert entry.primary_category == "cs.IT"


def test_a_feed_without_entries_has_no_papers():
    assert parse_feed(atom(NO_RESULTS)) == []


def test_an_error_entry_is_not_a_paper():
    assert parse_feed(atom(MALFORMED_ID)) == []


@pytest.mark.parametrize("body", [b"", b"<html><body>Service unavailable</body></html>", b"{}", b"not xml"])
def test_a_body_that_is_not_atom_is_an_error(body):
    with pytest.raises(ArxivError, match="not an Atom feed"):
        parse_feed(body)


# --- Fetching -----------------------------------------------------------------------------------


def test_an_entry_is_fetched_by_id_with_an_honest_user_agent_and_timeouts(arxiv_api):
    serve(arxiv_api, "1605.08386", HEAT_BATH)
    entry = fetch_arxiv_entry("1605.08386")
    assert entry == parse_feed(atom(HEAT_BATH))[0]
    [call] = arxiv_api.calls
    assert call.request.headers["User-Agent"].startswith("PaperCommons/")
    assert call.request.req_kwargs["timeout"] == (arxiv.CONNECT_TIMEOUT, arxiv.READ_TIMEOUT)


def test_an_old_style_id_is_fetched(arxiv_api):
    serve(arxiv_api, "astro-ph/0601001", OLD_STYLE)
    assert fetch_arxiv_entry("astro-ph/0601001").arxiv_id == "astro-ph/0601001"


def test_only_the_entry_of_the_id_asked_for_counts(arxiv_api):
    serve(arxiv_api, "0808.05394", TWO_IDS)
    serve(arxiv_api, "1707.08567", TWO_IDS)
    assert fetch_arxiv_entry("0808.05394") is None
    assert fetch_arxiv_entry("1707.08567").arxiv_id == "1707.08567"


@pytest.mark.parametrize(
    ("name", "status"),
    [(NO_RESULTS, None), (MALFORMED_ID, None), (MALFORMED_ID, 200)],
    ids=["no-entries", "http-400", "error-entry-with-200"],
)
def test_an_unknown_or_malformed_id_is_no_paper(arxiv_api, name, status):
    serve(arxiv_api, "0000.0000", name, status=status)
    assert fetch_arxiv_entry("0000.0000") is None
    assert len(arxiv_api.calls) == 1  # a 400 is an answer, not retried


def test_a_rate_limit_is_retried_then_succeeds(arxiv_api):
    serve(arxiv_api, "1605.08386", body="Rate exceeded.", status=429, headers={"Retry-After": "1"})
    serve(arxiv_api, "1605.08386", HEAT_BATH)
    assert fetch_arxiv_entry("1605.08386").arxiv_id == "1605.08386"
    assert [call.response.status_code for call in arxiv_api.calls] == [429, 200]


def test_server_errors_until_the_retries_run_out_are_an_error(arxiv_api):
    serve(arxiv_api, "1605.08386", body="oops", status=503)
    with pytest.raises(ArxivError, match="RetryError"):
        fetch_arxiv_entry("1605.08386")
    assert len(arxiv_api.calls) == 1 + arxiv.RETRIES


@pytest.mark.parametrize(
    "error",
    [requests.exceptions.ConnectionError("Name or service not known"), requests.exceptions.ReadTimeout("timed out")],
)
def test_a_network_failure_is_an_error(arxiv_api, error):
    serve(arxiv_api, "1605.08386", body=error)
    with pytest.raises(ArxivError, match=type(error).__name__):
        fetch_arxiv_entry("1605.08386")


def test_another_client_error_is_an_error(arxiv_api):
    serve(arxiv_api, "1605.08386", body="Forbidden", status=403)
    with pytest.raises(ArxivError, match="HTTP 403"):
        fetch_arxiv_entry("1605.08386")


def test_the_retry_policy_is_short_because_a_member_is_waiting():
    retry = arxiv.make_session().get_adapter(arxiv.API_URL).max_retries
    assert retry.total == 2
    assert retry.read is False  # a slow arXiv is not asked twice
    assert set(retry.status_forcelist) == {429, 500, 502, 503, 504}
    assert retry.allowed_methods == frozenset({"GET"})
    assert retry.respect_retry_after_header
    assert retry.get_retry_after(HTTPResponse(status=429, headers={"Retry-After": "3"})) == 3
    assert retry.get_retry_after(HTTPResponse(status=429, headers={"Retry-After": "3600"})) == arxiv.MAX_RETRY_AFTER


# --- Writing ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_submitting_a_paper_twice_keeps_the_first():
    entry = parse_feed(atom(HEAT_BATH))[0]
    first, created = submit_paper(entry, make_user(password=None), dt.date(2026, 8, 20))
    assert created
    again, created = submit_paper(entry, make_user(password=None), dt.date(2026, 8, 20))
    assert (again, created) == (first, False)
    assert (Paper.objects.count(), Listing.objects.count(), Submission.objects.count()) == (1, 1, 1)
    assert Author.objects.count() == 2


@pytest.mark.django_db
def test_the_followers_of_a_submitted_papers_authors_hear_of_it_once(django_capture_on_commit_callbacks):
    entry = parse_feed(atom(HEAT_BATH))[0]
    follower, submitter = make_user("ada"), make_user(password=None)
    author = Author.objects.create(slug=author_slug(entry.authors[0]), name=entry.authors[0])
    Follow.objects.create(user=follower, target=Follow.Target.AUTHOR, author=author)
    with django_capture_on_commit_callbacks(execute=True):
        paper, _ = submit_paper(entry, submitter, dt.date(2026, 8, 20))
    with django_capture_on_commit_callbacks(execute=True):
        submit_paper(entry, make_user(password=None), dt.date(2026, 8, 20))  # already there: nothing new
    notices = Notification.objects.filter(kind=Notification.Kind.NEW_PAPER)
    assert list(notices.values_list("recipient__username", "paper")) == [("ada", paper.pk)]


@pytest.mark.django_db
def test_one_name_twice_on_a_byline_is_two_people():
    """Two authors of one paper are never one person (papers.authors), even when their names share a slug."""
    entry = parse_feed(atom(HEAT_BATH))[0]
    entry = dataclasses.replace(entry, authors=("Tobias Windisch", "tobias  windisch", "!!!"))
    paper, _ = submit_paper(entry, make_user(password=None), dt.date(2026, 8, 20))
    keys = [authorship.author.numbered_key for authorship in paper.authorships.select_related("author")]
    assert keys[:2] == ["tobias-windisch/1", "tobias-windisch/2"]
    assert Author.objects.filter(slug__startswith="author-").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_members_submitting_the_same_new_paper_at_once_make_one_paper():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers itself (BEGIN IMMEDIATE), there is no race to test")
    entry = parse_feed(atom(HEAT_BATH))[0]
    members = [make_user(password=None), make_user(password=None)]
    barrier = threading.Barrier(2)
    results: list[tuple[Paper, bool]] = []
    errors: list[BaseException] = []

    def run(member) -> None:
        try:
            barrier.wait()
            results.append(submit_paper(entry, member, dt.date(2026, 8, 20)))
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(member,)) for member in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(created for _, created in results) == [False, True]
    assert {paper.pk for paper, _ in results} == {Paper.objects.get().pk}
    assert (Listing.objects.count(), Submission.objects.count(), Author.objects.count()) == (1, 1, 2)
