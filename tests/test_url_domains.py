"""Every value a URL converter or a query parameter of a public page can take answers 2xx, 3xx or 4xx, never a 5xx;
the Atom feed of a day, week or month answers where its page does (200) and is not found where its page is not.

Hypothesis draws the values: anything the converters' patterns match (years 0000 to 9999, week 53 of any year,
month 00), and query strings of arbitrary bytes (NUL, invalid UTF-8 such as an encoded lone surrogate, huge
numbers, unicode digits, `../`, bare words), for a visitor and for a member.
"""

from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from papers.converters import DateConverter, IsoWeekConverter, MonthConverter

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("archive")]

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# The public pages, and the query parameters each one reads.
PAGES = {
    "/": ["sort", "page", "after"],
    "/papers/": ["sort", "page"],
    "/papers/date/2026-08-18/": ["sort", "page"],
    "/papers/week/2026-W34/": ["sort", "page"],
    "/papers/month/2026-08/": ["sort", "page"],
    "/papers/trending/": ["page"],
    "/papers/2608.15265/": ["comments", "page", "reply"],
    "/search/": ["q", "page"],
    "/search/feed/": ["q"],
    "/feed/": ["after", "page"],
    "/accounts/login/": ["next"],
}

# Odd values worth trying every time, beside whatever Hypothesis draws.
ODD_VALUES = [b"\x00", b"\xed\xa0\x80", b"99999999999999999999", "٣".encode(), b"../../etc/passwd", b"abc", b"-1", b""]


def answers(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code < 500, f"{url} answered {response.status_code}"
    return response.status_code


def visitor_and_member(client, member):
    yield client
    client.force_login(member)
    yield client


@SETTINGS
@given(value=st.from_regex(DateConverter.regex, fullmatch=True))
def test_any_date_in_a_day_address(client, value):
    status = answers(client, f"/papers/date/{value}/")
    assert status in {200, 301, 302, 404}
    assert answers(client, f"/papers/date/{value}/feed/") == (status if status == 404 else 200)


@SETTINGS
@given(value=st.from_regex(IsoWeekConverter.regex, fullmatch=True))
def test_any_week_in_a_week_address(client, value):
    status = answers(client, f"/papers/week/{value}/")
    assert status in {200, 301, 302, 404}
    assert answers(client, f"/papers/week/{value}/feed/") == (status if status == 404 else 200)


@SETTINGS
@given(value=st.from_regex(MonthConverter.regex, fullmatch=True))
def test_any_month_in_a_month_address(client, value):
    status = answers(client, f"/papers/month/{value}/")
    assert status in {200, 301, 302, 404}
    assert answers(client, f"/papers/month/{value}/feed/") == (status if status == 404 else 200)


@pytest.mark.parametrize(
    "url",
    [
        "/papers/week/9999-W52/",
        "/papers/week/0001-W01/",
        "/papers/date/0001-01-01/",
        "/papers/date/9999-12-31/",
        "/papers/month/0001-01/",
        "/papers/month/9999-12/",
        "/papers/date/1990-12-31/",
    ],
)
def test_the_ends_of_the_calendar_are_not_found(client, url):
    assert answers(client, url) == 404
    assert answers(client, f"{url}feed/") == 404


def test_the_first_year_of_the_calendar_is_there(client):
    """1991 (arXiv's first year) answers, with no papers and no link to the period before; the week that
    began on Monday 1990-12-31 is outside."""
    for path in ["/papers/month/1991-01/", "/papers/date/1991-01-01/"]:
        response = client.get(path)
        assert response.status_code == 200 and b"No papers" in response.content
        assert b'rel="prev"' not in response.content
    assert answers(client, "/papers/week/1991-W01/") == 404


@SETTINGS
@given(path=st.sampled_from(sorted(PAGES)), data=st.data())
def test_any_query_value_on_a_public_page(client, member, path, data):
    name = data.draw(st.sampled_from(PAGES[path]))
    raw = data.draw(st.one_of(st.sampled_from(ODD_VALUES), st.binary(max_size=40)))
    for browser in visitor_and_member(client, member):
        answers(browser, f"{path}?{name}={quote_from_bytes(raw, safe='')}")
    client.logout()


@pytest.mark.parametrize("raw", ODD_VALUES)
@pytest.mark.parametrize("path", sorted(PAGES))
def test_odd_values_in_every_parameter(client, member, path, raw):
    query = "&".join(f"{name}={quote_from_bytes(raw, safe='')}" for name in PAGES[path])
    for browser in visitor_and_member(client, member):
        answers(browser, f"{path}?{query}")
