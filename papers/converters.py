"""Path converters for the URLs Hugging Face uses, so swapping the host keeps links working."""

import datetime as dt

from .models import ARXIV_NEW_ID, ARXIV_OLD_ID

# The calendar the listings answer for: arXiv began in 1991, and the year before the last one Python knows
# leaves every period a next one, so computing a neighbouring day, week or month never overflows. Addresses
# outside it match no URL (404).
FIRST_YEAR = 1991
LAST_YEAR = dt.MAXYEAR - 1


def _in_calendar(day: dt.date, value: str) -> dt.date:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"{value} is outside the years {FIRST_YEAR}–{LAST_YEAR}")
    return day


class ArxivIdConverter:
    regex = rf"(?:{ARXIV_NEW_ID}|{ARXIV_OLD_ID})"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class VersionedArxivIdConverter:
    """An arXiv id with its version (`2608.17271v2`, `hep-th/9901001v3`), to the id without it: the
    paper page is the same for every version, so these addresses redirect to it."""

    regex = rf"(?:{ARXIV_NEW_ID}|{ARXIV_OLD_ID})v\d+"

    def to_python(self, value: str) -> str:
        return value.rpartition("v")[0]

    def to_url(self, value: str) -> str:
        return value


class KeyConverter:
    """A path segment like `<str:…>`, without NUL characters (U+0000), which PostgreSQL text refuses:
    a key with one matches no URL (404) instead of failing in the query (500)."""

    regex = r"[^/\x00]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class DateConverter:
    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> dt.date:
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value} is not a calendar date") from None
        return _in_calendar(day, value)

    def to_url(self, value: dt.date) -> str:
        return value.isoformat()


class IsoWeekConverter:
    """`2026-W33` to the Monday of that ISO week."""

    regex = r"\d{4}-W\d{2}"

    def to_python(self, value: str) -> dt.date:
        year, week = value.split("-W")
        try:
            monday = dt.date.fromisocalendar(int(year), int(week), 1)
        except ValueError:
            raise ValueError(f"{value} is not an ISO week") from None
        return _in_calendar(monday, value)

    def to_url(self, value: dt.date) -> str:
        year, week, _ = value.isocalendar()
        return f"{year}-W{week:02d}"


class MonthConverter:
    """`2026-08` to the first day of that month."""

    regex = r"\d{4}-\d{2}"

    def to_python(self, value: str) -> dt.date:
        try:
            first = dt.date.fromisoformat(f"{value}-01")
        except ValueError:
            raise ValueError(f"{value} is not a month") from None
        return _in_calendar(first, value)

    def to_url(self, value: dt.date) -> str:
        return f"{value.year:04d}-{value.month:02d}"


class AuthorKeyConverter:
    """An author's key: a name's slug (`hao-li`), or a slug and the person's number among namesakes (`hao-li/2`)."""

    regex = r"[^/\x00]+(?:/[1-9][0-9]{0,8})?"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
