"""Cases the recorded days don't contain, proven on derived copies of them."""

import datetime as dt
import json

import pytest
from django.core.management import call_command

from papers.models import Author, Listing, Paper, Topic
from tests.factories import derived_file, item_by_id

pytestmark = pytest.mark.django_db


def test_hidden_authors_are_never_stored(tmp_path, hf_fixture):
    def hide_second_author(items):
        item_by_id(items, "2608.15265")["paper"]["authors"][1]["hidden"] = True

    source = json.loads(hf_fixture("2026-08-18").read_bytes())
    names = [a["name"] for a in item_by_id(source, "2608.15265")["paper"]["authors"]]
    path = derived_file(tmp_path, hf_fixture("2026-08-18"), hide_second_author)
    call_command("import_daily_papers", str(path), verbosity=0)

    paper = Paper.objects.get(arxiv_id="2608.15265")
    stored = list(paper.authorships.order_by("position").values_list("author__name", "position"))
    visible = [names[0], *names[2:]]
    assert stored == [(name, position) for position, name in enumerate(visible)]
    assert paper.author_count == len(names) - 1
    assert names[1] not in paper.authors_text
    assert not Author.objects.filter(name=names[1]).exists()


def test_keywords_are_normalised_and_deduplicated_by_topic_slug(tmp_path, hf_fixture):
    def messy_keywords(items):
        items[0]["paper"]["ai_keywords"] = ["Diffusion  Models", "diffusion models", "  ", "sparse\nattention", "!!!"]

    Topic.objects.create(slug="diffusion-models", name="Diffusion models (kept)")
    path = derived_file(tmp_path, hf_fixture("2026-08-18"), messy_keywords)
    call_command("import_daily_papers", str(path), verbosity=0)
    paper = Paper.objects.get(arxiv_id="2608.15265")
    assert paper.keywords == ["Diffusion Models", "sparse attention"]
    topics = list(paper.paper_topics.order_by("position").values_list("topic__slug", "topic__name"))
    # The topic made beforehand is adopted by the spelling of its slug, and named by the spelling papers use.
    assert topics == [("diffusion-models", "Diffusion Models"), ("sparse-attention", "sparse attention")]


def test_the_date_option_beats_the_file_name_but_not_submitted_on_daily_at(tmp_path, hf_fixture):
    call_command("import_daily_papers", str(hf_fixture("2024-05-27")), str(hf_fixture("2025-03-17")), date="2024-06-01")
    assert Listing.objects.get(paper__arxiv_id="2405.15738").date == dt.date(2024, 6, 1)
    assert Listing.objects.get(paper__arxiv_id="2503.07677").date == dt.date(2025, 3, 17)
