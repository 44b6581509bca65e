"""Every operation of the API against its own OpenAPI schema, with inputs schemathesis makes up.

For each operation of /api/openapi.json, schemathesis generates requests (valid ones from the schema and
its examples, and invalid ones) and checks each answer: never a 5xx, a documented status, the documented
content type and headers, and a body that matches the documented schema. It runs anonymously and with a
member's read-and-write token, on the recorded days, on SQLite and (in CI's second run) PostgreSQL.
"""

from __future__ import annotations

import pytest
import responses
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from accounts.models import ApiToken
from papers.discussion import post_comment
from papers.models import Paper

EXAMPLES = 25  # per operation and persona: enough to reach each branch of validation, bounded for CI's time
CHECKS = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@pytest.fixture(autouse=True)
def keep_the_tests_connection():
    """The site's WSGI handler closes the database connection after each request; the test client does not, and
    neither may these requests: on PostgreSQL that would end the test's transaction, data and all."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def recorded_days(archive, db, settings):
    """The recorded days, with write limits high enough that generated writes are checked for what they do, not
    only refused (the 429s are tested apart)."""
    settings.WRITE_RATE_LIMITS = dict.fromkeys(settings.WRITE_RATE_LIMITS, "100000/60")


@pytest.fixture(autouse=True)
def no_arxiv():
    """arXiv is never asked (POST /api/v1/papers): a paper not here fails as when arXiv does not answer, a 503."""
    with responses.RequestsMock(assert_all_requests_are_fired=False):
        yield


@pytest.fixture
def comments(member, other_member):
    """A comment of the member's and a reply by someone else: the ids generated requests are pointed at."""
    paper = Paper.objects.get(arxiv_id="2608.15265")
    own = post_comment(paper, member, "What does the *ablation* show?")
    return [own.pk, post_comment(paper, other_member, "It shows the gain comes from data.", parent=own).pk]


@pytest.fixture
def token(member):
    return ApiToken.issue(member, "schemathesis", ApiToken.Scope.WRITE)[1]


def aim(case, comments: list[int]) -> None:
    """Point two of three generated comment ids at comments that exist, so that the operations are exercised on
    real threads (mine and someone else's), not only answered with 404."""
    ids = case.path_parameters or {}
    if isinstance(ids.get("comment_id"), int) and ids["comment_id"] % 3:
        ids["comment_id"] = comments[ids["comment_id"] % 2]


@schema.parametrize()
@CHECKS
def test_anonymous(case, comments):
    aim(case, comments)
    case.call_and_validate()


@schema.parametrize()
@CHECKS
def test_with_a_token(case, token, comments):
    aim(case, comments)
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
