"""/submit/: members bring papers from arXiv; the arXiv API is served from recorded responses (no network)."""

import datetime as dt
import threading
from html.parser import HTMLParser

import pytest
import requests
import responses
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from responses import matchers

from papers import arxiv, caching, ingest
from papers.models import Author, Listing, Paper, Submission
from tests.factories import make_author, make_paper, make_user
from tests.support.arxiv import HEAT_BATH, MALFORMED_ID, NO_RESULTS, OLD_STYLE, TWO_IDS, recording, serve
from tests.support.database import dump_database

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 8, 20)
URL = "/submit/"
HTMX = {"HX-Request": "true"}
ACCEPTED = "Enter an arXiv id such as 2608.15265 or hep-th/9901001"


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(ingest, "utc_today", lambda: TODAY)
    return TODAY


@pytest.fixture
def member(client):
    user = make_user("ada", password=None)
    client.force_login(user)
    return user


def post(client, reference: str, **kwargs):
    return client.post(URL, {"reference": reference}, **kwargs)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- The form -----------------------------------------------------------------------------------


class FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def find(self, tag: str, **attrs) -> list[dict]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]


def parse_html(content: bytes) -> FormParser:
    parser = FormParser()
    parser.feed(content.decode())
    return parser


def test_a_member_gets_a_form_that_works_without_javascript(client, member, arxiv_api):
    before = dump_database()
    response = client.get(URL)
    assert response.status_code == 200
    html = parse_html(response.content)
    [form] = html.find("form", action=URL)
    assert form["method"] == "post"
    assert form["data-hx-post"] == URL and form["data-hx-target"] == "this"
    assert html.find("input", type="hidden", name="csrfmiddlewaretoken")
    [field] = html.find("input", name="reference")
    assert field["type"] == "text"
    assert "autofocus" in field and "required" in field
    assert len(html.find("label", **{"for": field["id"]})) == 1
    assert "arXiv id or URL" in response.text
    assert field["aria-describedby"] == f"{field['id']}_helptext"
    assert html.find("div", id=f"{field['id']}_helptext")
    assert "huggingface.co/papers/2608.15265" in response.text
    assert 'aria-current="page"' in response.text and "Submit a paper" in response.text
    assert not arxiv_api.calls and dump_database() == before


def test_an_htmx_get_gets_the_form_alone(client, member):
    response = client.get(URL, headers=HTMX)
    assert response.text.lstrip().startswith("<form")
    assert "<html" not in response.text
    assert "HX-Request" in response["Vary"]


def test_a_visitor_is_sent_to_log_in(client, arxiv_api):
    before = dump_database()
    for response in (client.get(URL), post(client, "1605.08386")):
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=/submit/"
    assert not arxiv_api.calls and dump_database() == before


def test_a_visitor_posting_with_htmx_is_sent_to_log_in_by_the_browser(client, arxiv_api):
    response = post(client, "1605.08386", headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Fsubmit%2F"  # the same address, its query encoded
    assert not arxiv_api.calls and Paper.objects.count() == 0


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_are_not_allowed(client, member, method):
    assert getattr(client, method)(URL).status_code == 405


def test_a_post_without_the_csrf_token_is_refused(member, arxiv_api):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert post(client, "1605.08386").status_code == 403
    assert not arxiv_api.calls and Paper.objects.count() == 0


def test_a_suspended_member_is_told_why_and_nothing_is_written(client, member, arxiv_api):
    member.suspend("Spam")
    before = dump_database()
    for response in (client.get(URL), post(client, "1605.08386"), post(client, "1605.08386", headers=HTMX)):
        assert response.status_code == 403
        assert "Your account is suspended" in response.text and "Spam" in response.text
        assert 'name="reference"' not in response.text
    assert response["HX-Refresh"] == "true"  # htmx swaps no 403: the reloaded page explains
    assert not arxiv_api.calls and dump_database() == before


# --- What members may paste ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "arxiv_id"),
    [
        ("2608.15265", "2608.15265"),
        ("2608.15265v2", "2608.15265"),
        ("arXiv:2608.15265", "2608.15265"),
        ("https://arxiv.org/abs/2608.15265", "2608.15265"),
        ("http://arxiv.org/abs/2608.15265v3", "2608.15265"),
        ("https://arxiv.org/pdf/2608.15265", "2608.15265"),
        ("https://arxiv.org/pdf/2608.15265v1.pdf", "2608.15265"),
        ("https://export.arxiv.org/abs/2608.15265", "2608.15265"),
        ("https://www.arxiv.org/abs/2608.15265v1", "2608.15265"),
        ("https://huggingface.co/papers/2608.15265", "2608.15265"),
        ("  https://arxiv.org/abs/2608.15265  ", "2608.15265"),
        ("hep-th/9901001", "hep-th/9901001"),
        ("math.GT/0309136", "math.GT/0309136"),
        ("arxiv.org/abs/astro-ph/0601001v2", "astro-ph/0601001"),
    ],
)
def test_a_known_paper_is_shown_whatever_form_its_reference_takes(client, member, arxiv_api, reference, arxiv_id):
    paper = make_paper(arxiv_id, title="Known already")
    before = dump_database()
    response = post(client, reference)
    assert response.status_code == 302
    assert response["Location"] == paper.get_absolute_url()
    assert messages_of(response) == ["Already here: “Known already” was on the site before."]
    assert not arxiv_api.calls and dump_database() == before


@pytest.mark.parametrize(
    "reference",
    ["", "   ", "attention is all you need", "2608.152", "https://example.com/abs/2608.15265", "hep-th/990100"],
)
def test_anything_else_is_a_form_error_saying_what_is_accepted(client, member, arxiv_api, reference):
    before = dump_database()
    response = post(client, reference)
    assert response.status_code == 200
    assert ACCEPTED in response.text
    [field] = parse_html(response.content).find("input", name="reference")
    assert field["aria-invalid"] == "true"
    assert field["aria-describedby"] == "id_reference_helptext id_reference_error"
    assert 'id="id_reference_error"' in response.text
    assert not arxiv_api.calls and dump_database() == before


def test_a_rejected_reference_is_kept_in_the_field(client, member):
    response = post(client, "not an id")
    assert parse_html(response.content).find("input", name="reference")[0]["value"] == "not an id"


# --- A new paper --------------------------------------------------------------------------------


def test_a_new_paper_is_fetched_from_arxiv_and_listed_today(
    client, member, arxiv_api, django_capture_on_commit_callbacks
):
    make_paper(listed_on=TODAY, position=3)
    version = caching.pages_version()
    serve(arxiv_api, "1605.08386", HEAT_BATH)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, "https://arxiv.org/abs/1605.08386v1")

    paper = Paper.objects.get(arxiv_id="1605.08386")
    assert response.status_code == 302
    assert response["Location"] == paper.get_absolute_url() == "/papers/1605.08386/"
    assert messages_of(response) == ["Thanks! “Heat-bath random walks with Markov bases” is listed today."]
    assert len(arxiv_api.calls) == 1
    assert paper.title == "Heat-bath random walks with Markov bases"
    assert paper.abstract.startswith("Graphs on lattice points are studied")
    assert paper.published_at == dt.datetime(2016, 5, 26, 17, 59, 46, tzinfo=dt.UTC)
    assert [a.author.name for a in paper.authorships.select_related("author")] == [
        "Caprice Stanley",
        "Tobias Windisch",
    ]
    assert (paper.author_count, paper.authors_text) == (2, "Caprice Stanley, Tobias Windisch")
    assert (paper.first_listed_on, paper.last_listed_on) == (TODAY, TODAY)
    assert (paper.thumbnail_url, paper.hf_upvotes, paper.points, paper.submitted_by) == ("", 0, 0, None)
    expected = Paper(first_listed_on=TODAY)
    expected.refresh_sort_keys()
    assert paper.hotness == expected.hotness
    [listing] = paper.listings.all()
    assert (listing.date, listing.submitter, listing.hf_position) == (TODAY, None, 4)
    assert Submission.objects.get(paper=paper).user == member
    assert caching.pages_version() == version + 1


def test_the_first_paper_of_a_day_takes_the_first_place(client, member, arxiv_api):
    serve(arxiv_api, "1605.08386", HEAT_BATH)
    post(client, "1605.08386")
    assert Listing.objects.get().hf_position == 0


def test_a_submitted_paper_shows_on_todays_listing_and_its_own_page(client, member, arxiv_api):
    serve(arxiv_api, "1605.08386", HEAT_BATH)
    response = post(client, "1605.08386", follow=True)
    assert response.status_code == 200
    assert "Thanks! “Heat-bath random walks with Markov bases” is listed today." in response.text
    assert "Caprice Stanley" in response.text
    assert "Heat-bath random walks with Markov bases" in client.get(f"/papers/date/{TODAY}/").text


def test_a_submitted_paper_is_found_by_search(client, member, arxiv_api):
    serve(arxiv_api, "1605.08386", HEAT_BATH)
    post(client, "1605.08386")
    assert list(Paper.objects.search("heat-bath random walks").values_list("arxiv_id", flat=True)) == ["1605.08386"]
    assert "/papers/1605.08386/" in client.get("/search/", {"q": "Markov bases"}).text


def test_an_old_style_paper_is_submitted(client, member, arxiv_api):
    serve(arxiv_api, "astro-ph/0601001", OLD_STYLE)
    response = post(client, "arxiv.org/abs/astro-ph/0601001v2")
    assert response["Location"] == "/papers/astro-ph/0601001/"
    paper = Paper.objects.get(arxiv_id="astro-ph/0601001")
    assert paper.author_count == 4
    assert paper.published_at == dt.datetime(2006, 1, 2, 14, 57, 58, tzinfo=dt.UTC)


def test_authors_already_known_are_reused(client, member, arxiv_api):
    known = make_author("Tobias Windisch")
    serve(arxiv_api, "1605.08386", HEAT_BATH)
    post(client, "1605.08386")
    assert Author.objects.count() == 2
    assert Paper.objects.get(arxiv_id="1605.08386").authorships.get(position=1).author == known


def test_a_paper_with_many_authors_is_written_in_a_few_queries(
    client, member, arxiv_api, django_assert_max_num_queries
):
    serve(arxiv_api, "1707.08567", TWO_IDS)
    # A fixed number whatever the authors (34 here): the outbox row included, and the member with whether they
    # moderate (read together when their cached copy is gone, as after the login here).
    with django_assert_max_num_queries(18):
        response = post(client, "1707.08567")
    assert response["Location"] == "/papers/1707.08567/"
    paper = Paper.objects.get(arxiv_id="1707.08567")
    assert paper.author_count == paper.authorships.count() == Author.objects.count() == 34
    assert paper.authorships.get(position=33).author.name == "Hirosuke Yamamoto"


def test_a_rate_limited_arxiv_is_asked_again(client, member, arxiv_api):
    serve(arxiv_api, "1605.08386", body="Rate exceeded.", status=429, headers={"Retry-After": "1"})
    serve(arxiv_api, "1605.08386", HEAT_BATH)
    assert post(client, "1605.08386")["Location"] == "/papers/1605.08386/"
    assert [call.response.status_code for call in arxiv_api.calls] == [429, 200]
    assert Paper.objects.filter(arxiv_id="1605.08386").exists()


# --- When arXiv has no such paper, or does not answer -------------------------------------------


@pytest.mark.parametrize(
    ("name", "status"),
    [(NO_RESULTS, None), (MALFORMED_ID, None), (MALFORMED_ID, 200)],
    ids=["no-entries", "http-400", "error-entry"],
)
def test_an_id_arxiv_does_not_know_is_a_form_error(client, member, arxiv_api, name, status):
    serve(arxiv_api, "0000.0000", name, status=status)
    before = dump_database()
    response = post(client, "0000.0000")
    assert response.status_code == 200
    assert "arXiv has no paper 0000.0000." in response.text
    assert dump_database() == before


@pytest.mark.parametrize(
    "failure",
    [
        {"body": requests.exceptions.ConnectionError("Name or service not known")},
        {"body": requests.exceptions.ConnectTimeout("connect timed out")},
        {"body": requests.exceptions.ReadTimeout("read timed out")},
        {"body": "oops", "status": 503},
        {"body": "<html>Down for maintenance</html>", "status": 200},
    ],
    ids=["connection-error", "connect-timeout", "read-timeout", "server-errors", "not-atom"],
)
def test_arxiv_not_answering_is_a_form_error_and_writes_nothing(client, member, arxiv_api, failure):
    serve(arxiv_api, "1605.08386", **failure)
    before = dump_database()
    response = post(client, "1605.08386")
    assert response.status_code == 200
    assert "arXiv did not answer, try again in a minute." in response.text
    assert dump_database() == before


# --- With htmx ----------------------------------------------------------------------------------


def test_with_htmx_a_new_paper_sends_the_browser_to_it(client, member, arxiv_api):
    serve(arxiv_api, "1605.08386", HEAT_BATH)
    response = post(client, "1605.08386", headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/papers/1605.08386/"
    assert messages_of(response) == ["Thanks! “Heat-bath random walks with Markov bases” is listed today."]


def test_with_htmx_a_known_paper_sends_the_browser_to_it(client, member, arxiv_api):
    paper = make_paper("2608.15265")
    response = post(client, "https://huggingface.co/papers/2608.15265", headers=HTMX)
    assert response["HX-Redirect"] == paper.get_absolute_url()
    assert not arxiv_api.calls


def test_with_htmx_an_error_re_renders_the_form_alone(client, member, arxiv_api):
    serve(arxiv_api, "0000.0000", NO_RESULTS)
    response = post(client, "0000.0000", headers=HTMX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith("<form") and response.text.rstrip().endswith("</form>")
    assert "<html" not in response.text
    assert "arXiv has no paper 0000.0000." in response.text
    assert "HX-Request" in response["Vary"]


# --- Limits and races ---------------------------------------------------------------------------


def test_submissions_are_rate_limited_per_member(client, member, settings, arxiv_api):
    settings.WRITE_RATE_LIMITS = {**settings.WRITE_RATE_LIMITS, "submit": "2/3600"}
    make_paper("2608.15265")
    assert [post(client, "2608.15265").status_code for _ in range(3)] == [302, 302, 429]
    limited = post(client, "2608.15265", headers=HTMX)
    assert limited.status_code == 429 and "Retry-After" in limited
    other = Client()
    other.force_login(make_user(password=None))
    assert post(other, "2608.15265").status_code == 302
    assert client.get(URL).status_code == 200  # reading the form is not limited


@pytest.mark.django_db(transaction=True)
def test_two_members_submitting_the_same_new_paper_at_once_both_land_on_it(arxiv_api):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers itself (BEGIN IMMEDIATE), there is no race to test")
    barrier = threading.Barrier(2, timeout=10)
    _, body = recording(HEAT_BATH)

    def answer_once_both_have_asked(request):  # both found the paper unknown before either writes it
        barrier.wait()
        return 200, {}, body

    arxiv_api.add_callback(
        responses.GET,
        arxiv.API_URL,
        callback=answer_once_both_have_asked,
        match=[matchers.query_param_matcher({"id_list": "1605.08386"})],
    )
    clients = []
    for _ in range(2):
        clients.append(Client())
        clients[-1].force_login(make_user(password=None))
    answers: list = []
    errors: list[BaseException] = []

    def run(member_client: Client) -> None:
        try:
            answers.append(post(member_client, "1605.08386"))
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(member_client,)) for member_client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert [answer.status_code for answer in answers] == [302, 302]
    assert {answer["Location"] for answer in answers} == {"/papers/1605.08386/"}
    assert sorted(messages_of(answer)[0].split()[0] for answer in answers) == ["Already", "Thanks!"]
    assert (Paper.objects.count(), Listing.objects.count(), Submission.objects.count()) == (1, 1, 1)


def test_a_submitted_paper_names_its_member_in_rows_and_on_its_page(client):
    from papers.models import Submission

    member = make_user("sara", display_name="Sara")
    paper = make_paper(title="Brought from arXiv")
    Submission.objects.create(paper=paper, user=member)
    row = client.get("/").text
    assert 'Submitted by <a href="/users/sara/">Sara</a>' in row
    assert 'Submitted here by <a href="/users/sara/">Sara</a>' in client.get(paper.get_absolute_url()).text
