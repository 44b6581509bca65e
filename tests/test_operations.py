"""Operations: the readiness check, plain-HTTP health checks, and a 503 (never a traceback) without a database."""

import pytest
from django.db import OperationalError, connection
from django.test import Client

from papers.ingest.sync import LAST_SYNC_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def production_redirects(settings):
    settings.SECURE_SSL_REDIRECT = True


@pytest.mark.parametrize("path", ["/healthz/", "/readyz/"])
def test_health_checks_answer_over_plain_http(client, production_redirects, path):
    assert client.get(path).status_code == 200
    assert client.get("/about/ranking/").status_code == 301  # other pages still go to HTTPS


def test_readiness_reports_each_component(client):
    from django.core.cache import cache

    cache.set(LAST_SYNC_KEY, "2026-08-21T07:00:00+00:00", None)
    report = client.get("/readyz/").json()
    assert report["database"] == "ok"
    assert report["cache"].startswith("ok") and report["broker"].startswith("ok")
    assert report["outbox_waiting"] == 0
    assert report["last_sync"]["at"] == "2026-08-21T07:00:00+00:00" and report["last_sync"]["age_seconds"] > 0


@pytest.fixture
def take_database_down(monkeypatch):
    """Make every query fail to reach the server from now on, as while PostgreSQL restarts."""

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    def go() -> None:
        monkeypatch.setattr(connection, "ensure_connection", refuse)
        monkeypatch.setattr(connection, "is_usable", lambda: False)

    return go


@pytest.fixture
def database_down(take_database_down):
    take_database_down()


@pytest.mark.parametrize("path", ["/", "/papers/2608.15265/", "/settings/"])
def test_without_a_database_pages_answer_503_with_retry_after(take_database_down, member, path):
    browser = Client(raise_request_exception=False)
    browser.force_login(member)
    take_database_down()
    response = browser.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert b"Back in a moment" in response.content


def test_without_a_database_the_readiness_check_fails(database_down):
    response = Client(raise_request_exception=False).get("/readyz/")
    assert response.status_code == 503 and response.json()["database"].startswith("unreachable")


def test_other_errors_are_still_500s(client, monkeypatch):
    from papers.views import listings

    monkeypatch.setattr(listings, "render_day", lambda *a, **k: 1 / 0)
    response = Client(raise_request_exception=False).get("/papers/date/2026-08-18/")
    assert response.status_code == 500 and b"Something went wrong" in response.content
