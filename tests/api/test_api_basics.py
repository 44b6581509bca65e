"""What every API answer shares: problems, conditional GETs, CORS, cursor pages, tokens, the schema and docs page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing

from accounts.models import ApiToken
from papers.api import paging
from papers.models import Paper
from tests.support.clock import later

pytestmark = pytest.mark.django_db


def test_an_unknown_address_under_api_is_a_problem_document(client):
    response = client.get("/api/v1/nothing/here")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404 and body["title"] == "Not Found"
    assert "/api/docs/" in body["detail"]
    assert body["type"].endswith("/api/docs/#problem-not-found")


def test_the_docs_page_without_its_slash_redirects_to_it(client):
    assert client.get("/api/docs").status_code == 301


def test_an_invalid_parameter_is_a_422_problem_naming_it(client):
    body = client.get("/api/v1/papers?limit=1000").json()
    assert body["status"] == 422
    assert body["errors"][0]["loc"] == ["query", "limit"]
    assert body["detail"].startswith("limit:")


@pytest.mark.parametrize("query", ["date=2026-02-30", "week=2026-W53&x=1", "date=2026-08-18&month=2026-08"])
def test_a_period_that_is_not_one_is_a_400_problem(client, query):
    response = client.get(f"/api/v1/papers?{query}")
    if "W53" in query:  # 2026 has 53 ISO weeks: a real week with no papers
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_reads_carry_an_etag_and_answer_304_when_unchanged(client, archive):
    first = client.get("/api/v1/papers?limit=3")
    assert first.status_code == 200 and first["ETag"]
    again = client.get("/api/v1/papers?limit=3", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    paper = Paper.objects.get(arxiv_id=first.json()["items"][0]["arxiv_id"])
    Paper.objects.filter(pk=paper.pk).update(hf_upvotes=paper.hf_upvotes + 1000)
    changed = client.get("/api/v1/papers?limit=3", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]


def test_a_page_with_a_next_cursor_keeps_its_etag_from_one_second_to_the_next(client, archive):
    first = client.get("/api/v1/papers?limit=3")
    assert first.json()["next"]
    with later(2):
        again = client.get("/api/v1/papers?limit=3", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_a_cursor_signed_with_a_timestamp_as_before_still_reads_the_next_page(client, archive):
    first = client.get("/api/v1/papers?limit=3").json()
    cursor = parse_qs(urlsplit(first["next"]).query)["cursor"][0]
    values = signing.Signer(salt=paging.SALT).unsign_object(cursor)
    old = signing.dumps(values, salt=paging.SALT, compress=True)
    new = client.get("/api/v1/papers", {"limit": 3, "cursor": cursor}).json()
    assert client.get("/api/v1/papers", {"limit": 3, "cursor": old}).json() == new
    assert client.get("/api/v1/papers", {"limit": 3, "cursor": old[:-2]}).status_code == 400


def test_a_vote_changes_a_papers_etag_and_no_date_can_hide_it(client, archive, member):
    first = client.get("/api/v1/papers/2608.15265")
    assert first.status_code == 200
    assert not first.has_header("Last-Modified")  # votes change the counts without a date of their own
    Paper.objects.get(arxiv_id="2608.15265").upvote(member)
    again = client.get("/api/v1/papers/2608.15265", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and again.json()["counts"]["upvotes"] == 1


def test_anonymous_reads_are_open_to_every_origin_and_token_reads_are_not(client, member):
    anonymous = client.get("/api/v1/papers")
    assert anonymous["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in anonymous["Vary"]
    _, secret = ApiToken.issue(member, "t", ApiToken.Scope.READ)
    with_token = client.get("/api/v1/papers", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert with_token.status_code == 200
    assert not with_token.has_header("Access-Control-Allow-Origin")


@pytest.mark.parametrize("sort", ["top", "new", "trending", "discussed"])
def test_cursor_pages_walk_every_paper_once_in_order(client, archive, sort):
    seen, url = [], f"/api/v1/papers?sort={sort}&limit=37"
    while url:
        body = client.get(url).json()
        seen += [item["arxiv_id"] for item in body["items"]]
        url = body["next"]
    whole = [item["arxiv_id"] for item in client.get(f"/api/v1/papers?sort={sort}&limit=100").json()["items"]]
    assert len(seen) == len(set(seen)) == Paper.objects.count() if sort != "trending" else len(set(seen)) == len(seen)
    assert seen[:100] == whole


def test_a_page_takes_the_same_queries_whatever_its_size(client, archive, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        assert len(client.get("/api/v1/papers?limit=100").json()["items"]) == 100
    with django_assert_max_num_queries(4):
        client.get("/api/v1/papers?limit=2")


def test_a_damaged_cursor_is_a_400_problem(client):
    from papers.api.paging import encode

    made = encode([10, "2026-08-01", 5])
    for cursor in ["zzz", "WzFd", "W251bGwsbnVsbCxudWxsXQ", "eyJ0IjoxfQ", made[:-1] + "x", "a" + made]:
        response = client.get(f"/api/v1/papers?cursor={cursor}")
        assert response.status_code == 400, cursor
        assert "cursor" in response.json()["detail"]


def test_a_token_that_is_not_one_is_refused_with_401(client, member):
    token, secret = ApiToken.issue(member, "t", ApiToken.Scope.READ)
    for header in ["Bearer pc_nope", "Bearer " + "x" * 300, f"Bearer {secret}x"]:
        response = client.get("/api/v1/papers", HTTP_AUTHORIZATION=header)
        assert response.status_code == 401, header
        assert response["WWW-Authenticate"].startswith("Bearer")
    token.revoke()
    assert client.get("/api/v1/papers", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


def test_a_token_is_stored_only_as_its_hash_and_notes_its_last_use(client, member):
    token, secret = ApiToken.issue(member, "laptop", ApiToken.Scope.WRITE)
    assert secret not in (token.digest, token.prefix) and secret.startswith(token.prefix)
    assert token.last_used_at is None
    client.get("/api/v1/papers", HTTP_AUTHORIZATION=f"Bearer {secret}")
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None
    client.get("/api/v1/papers", HTTP_AUTHORIZATION=f"Bearer {secret}")
    token.refresh_from_db()
    assert token.last_used_at == first_use  # written at most once a minute


def test_a_token_of_a_deactivated_member_stops_working(client, member):
    _, secret = ApiToken.issue(member, "t", ApiToken.Scope.READ)
    member.is_active = False
    member.save()
    assert client.get("/api/v1/papers", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401


def test_the_schema_documents_problems_as_problem_json(client):
    schema = client.get("/api/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    answers = schema["paths"]["/api/v1/papers"]["get"]["responses"]
    assert "application/problem+json" in answers["422"]["content"]
    assert "application/json" in answers["200"]["content"]


def test_the_docs_page_lists_every_operation(client):
    schema = client.get("/api/openapi.json").json()
    page = client.get("/api/docs/").content.decode()
    for path, item in schema["paths"].items():
        for method in item:
            assert f"{method.upper()} {path}" in page


def test_anonymous_reads_come_from_the_page_cache_until_an_import(
    client, archive, member, settings, django_assert_num_queries
):
    from papers.caching import bump_pages_version

    settings.PAGE_CACHE_SECONDS = 60
    first = client.get("/api/v1/papers?limit=5")
    with django_assert_num_queries(0):
        hit = client.get("/api/v1/papers?limit=5")
    assert hit.content == first.content
    assert hit["ETag"] == first["ETag"] and hit["Access-Control-Allow-Origin"] == "*"
    with django_assert_num_queries(0):
        assert client.get("/api/v1/papers?limit=5", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    _, secret = ApiToken.issue(member, "t", ApiToken.Scope.READ)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/papers?limit=5", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert len(queries) > 0  # a member's read is never served from the anonymous cache
    bump_pages_version()  # what an import does
    Paper.objects.update(hf_upvotes=0)
    assert client.get("/api/v1/papers?limit=5").content != first.content


@pytest.mark.parametrize("path", ["/api/papers/%0A", "/api/papers/a%0Ab", "/api/v1/x%0D%0A", "/api/%0A"])
def test_an_address_with_a_line_break_is_a_problem_document_too(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
