"""Headers on every kind of response, and `check --deploy` with production settings."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import make_paper

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 20 + "production-grade-secret-key-with-enough-entropy-1234567890",
    "ALLOWED_HOSTS": "papers.example.org",
    "DATABASE_URL": "sqlite:///:memory:",
    "EMAIL_HOST": "smtp.example.org",
}


def script_sources(csp: str) -> str:
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    return directives["script-src"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url,headers",
    [
        ("/", {}),
        ("/papers/date/2026-08-18/", {"HX-Request": "true"}),
        ("/search/?q=x", {"HX-Request": "true"}),
        ("/accounts/login/", {}),
        ("/no/such/page/", {}),
        ("/papers/2608.99999/", {}),
    ],
)
def test_every_response_carries_a_strict_content_security_policy(client, url, headers):
    make_paper()
    response = client.get(url, headers=headers)
    csp = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in script_sources(csp)
    assert "'unsafe-eval'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_pages_have_no_inline_script_at_all(client):
    """Scripts are files from our own origin (htmx is django-htmx's vendored copy), so pages can be cached."""
    make_paper()
    response = client.get("/")
    scripts = re.findall(r"<script[^>]*>", response.text)
    assert len(scripts) == 2
    assert all(re.search(r'src="/static/[^"]+\.js"', tag) for tag in scripts), scripts
    assert "/static/django_htmx/htmx-2" in response.text  # the vendored copy, not a CDN
    assert "nonce" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_anonymous_pages_carry_no_csrf_token_or_cookie(client):
    make_paper()
    response = client.get("/")
    assert "X-CSRFToken" not in response.text
    assert not response.cookies


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    full_env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=full_env | env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_passes_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = PRODUCTION_ENV | {"SECRET_KEY": ""}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in result.stderr
    assert "Traceback" in result.stderr or "ImproperlyConfigured" in result.stderr


def test_a_malformed_boolean_setting_is_named():
    result = run_manage("check", env={"DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def every_view(resolver=None, prefix: str = ""):
    from django.urls import URLResolver, get_resolver

    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from every_view(pattern, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern.callback


def test_no_view_of_the_site_is_exempt_from_csrf():
    """Every POST needs the CSRF token: unsubscribe links included (their GET asks, their form posts)."""
    exempt = [route for route, view in every_view() if getattr(view, "csrf_exempt", False)]
    # The API's routes are django-ninja's, exempt from the middleware: their auth (papers.api.auth) checks the CSRF
    # token itself for a signed-in browser's writes, and a token request needs none (tests/api/ prove both).
    assert [route for route in exempt if not route.startswith("api/")] == []


def test_every_write_of_the_api_goes_through_its_auth():
    """An API write with no auth would skip the CSRF check that papers.api.auth does for cookie requests."""
    from papers.api.auth import member
    from papers.api.main import api

    def operations(router):
        for path_view in router.path_operations.values():
            yield from path_view.operations
        for nested in router._routers:
            yield from operations(nested[1])

    writes = [op for _, router in api._routers for op in operations(router) if set(op.methods) - {"GET", "HEAD"}]
    assert len(writes) >= 15
    for operation in writes:
        assert operation.auth_callbacks == [member], (operation.methods, operation.view_func.__name__)
