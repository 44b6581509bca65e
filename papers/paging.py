"""Pagination without COUNT: fetch one row more than a page to know whether another follows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, QueryDict

PER_PAGE = 30
MAX_PAGE = 10_000


@dataclass
class Page:
    items: list[Any]
    number: int
    per_page: int
    has_next: bool
    params: QueryDict = field(repr=False)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1

    @property
    def end_index(self) -> int:
        return self.start_index + len(self.items) - 1

    def _query(self, number: int) -> str:
        params = self.params.copy()
        if number == 1:
            params.pop("page", None)
        else:
            params["page"] = str(number)
        encoded = params.urlencode()
        return f"?{encoded}" if encoded else "?"

    @property
    def next_query(self) -> str:
        return self._query(self.number + 1)

    @property
    def previous_query(self) -> str:
        return self._query(self.number - 1)


def page_number(request: HttpRequest) -> int:
    """The N of ?page=N (1 without it); 404 for anything but a whole number from 1 to MAX_PAGE."""
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        raise Http404("Page numbers are whole numbers.") from None
    if not 1 <= number <= MAX_PAGE:
        raise Http404("No such page.")
    return number


def paginate(request: HttpRequest, queryset: QuerySet, per_page: int = PER_PAGE) -> Page:
    """The page of `queryset` named by ?page=N; 404 for a page past the end (page 1 may be empty)."""
    number = page_number(request)
    offset = (number - 1) * per_page
    rows = list(queryset[offset : offset + per_page + 1])
    if number > 1 and not rows:
        raise Http404("This list has no page that far.")
    return Page(rows[:per_page], number, per_page, has_next=len(rows) > per_page, params=request.GET)
