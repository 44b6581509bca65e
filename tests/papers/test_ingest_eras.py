"""Every era of the recorded Daily Papers responses (tests/fixtures/hf/SCHEMA.md §5) lands in the right columns."""

import datetime as dt
import json

import pytest
from django.core.management import call_command

from papers.models import Author, Authorship, HFUser, Listing, Organization, Paper, PaperTopic, TopicAlias, topic_slug
from tests.factories import derived_file

pytestmark = pytest.mark.django_db


def test_the_whole_archive_imports_every_paper_and_listing(archive):
    assert Paper.objects.count() == 397
    assert Listing.objects.count() == 398
    assert Listing.objects.days().count() == 17


# Era A: 2024-05-27


def test_era_a_thumbnail_comes_from_media_url(archive):
    paper = Paper.objects.get(arxiv_id="2405.15738")
    assert paper.thumbnail_url == "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2405.15738.png"


def test_era_a_title_with_a_hard_line_break_is_normalised(archive):
    paper = Paper.objects.get(arxiv_id="2405.15738")
    assert paper.title == "ConvLLaVA: Hierarchical Backbones as Visual Encoder for Large Multimodal Models"
    assert "\n" not in paper.abstract
    assert not Paper.objects.filter(title__contains="\n").exists()


def test_era_a_arxiv_date_comes_from_paper_published_at(archive):
    paper = Paper.objects.get(arxiv_id="2405.15738")
    assert paper.published_at == dt.datetime(2024, 5, 24, 17, 34, 15, tzinfo=dt.UTC)


def test_era_a_listing_date_comes_from_the_file_name(archive):
    paper = Paper.objects.get(arxiv_id="2405.15738")
    assert list(paper.listings.values_list("date", flat=True)) == [dt.date(2024, 5, 27)]
    assert paper.first_listed_on == paper.last_listed_on == dt.date(2024, 5, 27)


def test_era_a_has_no_submitter_and_counts_are_mirrored(archive):
    paper = Paper.objects.get(arxiv_id="2405.15738")
    assert paper.submitted_by is None
    assert (paper.hf_upvotes, paper.hf_comments, paper.points) == (32, 3, 32)
    listing = paper.listings.get()
    assert (listing.hf_upvotes, listing.hf_comments, listing.hf_position, listing.submitter) == (32, 3, 0, None)


def test_relative_avatar_urls_become_absolute(archive):
    user = HFUser.objects.get(username="ChunjiangGe")
    assert user.avatar_url == "https://huggingface.co/avatars/d3f68c2eba04f2698402cc532779a549.svg"
    assert not HFUser.objects.filter(avatar_url__startswith="/").exists()


def test_absolute_avatar_urls_are_kept(archive):
    user = HFUser.objects.get(username="SijieCheng")
    assert user.avatar_url.startswith("https://cdn-avatars.huggingface.co/v1/production/uploads/")


def test_era_a_linked_author_slots_link_author_and_authorship_to_the_user(archive):
    authorship = Authorship.objects.get(paper__arxiv_id="2405.15738", position=0)
    assert authorship.author.name == "Chunjiang Ge"
    assert authorship.hf_user.username == "ChunjiangGe"
    assert authorship.author.hf_user == authorship.hf_user
    assert authorship.hf_user.fullname == "Chunjiang Ge"


def test_authors_are_stored_in_order_with_count_and_text(archive):
    paper = Paper.objects.get(arxiv_id="2405.15738")
    names = [a.author.name for a in paper.authorships.order_by("position")]
    assert names[:2] == ["Chunjiang Ge", "Sijie Cheng"]
    assert paper.author_count == len(names)
    assert paper.authors_text == ", ".join(names)
    assert list(paper.authorships.values_list("position", flat=True)) == list(range(len(names)))


# Era B: 2024-10-10


def test_era_b_submitter_comes_from_submitted_by_with_the_name_key(archive):
    paper = Paper.objects.get(arxiv_id="2410.05254")
    assert paper.submitted_by.username == "EilamSha"
    assert paper.submitted_by.fullname == "Eilam Shapira"
    assert paper.listings.get().submitter == paper.submitted_by
    assert paper.hf_discussion_id == "670686075dc3f2a798ad4ae0"
    assert paper.title == "GLEE: A Unified Framework and Benchmark for Language-based Economic Environments"


def test_era_b_user_ids_are_taken_from_author_slots(archive):
    # submittedBy has no _id in 2024; the author slot's user object has it.
    assert HFUser.objects.get(username="EilamSha").hf_id == "64802fb6c57f629056c59966"


# Era C: 2025-03-14 (no submittedOnDailyAt) and 2025-03-17 (with it)


def test_era_c_listing_date_without_submitted_on_daily_at_comes_from_the_file_name(archive):
    # The top-level publishedAt of this item is 2025-03-13: it must not be used.
    paper = Paper.objects.get(arxiv_id="2503.10613")
    assert list(paper.listings.values_list("date", flat=True)) == [dt.date(2025, 3, 14)]


def test_era_c_listing_date_comes_from_submitted_on_daily_at(archive):
    paper = Paper.objects.get(arxiv_id="2503.07677")
    assert list(paper.listings.values_list("date", flat=True)) == [dt.date(2025, 3, 17)]
    assert paper.published_at == dt.datetime(2025, 3, 10, 7, 23, 19, tzinfo=dt.UTC)


def test_era_c_keywords_become_topics_in_order(archive):
    paper = Paper.objects.get(arxiv_id="2503.10613")
    assert paper.keywords[:3] == ["text-to-image models", "stable diffusion", "DALLE-3"]
    topics = [pt.topic for pt in PaperTopic.objects.filter(paper=paper).order_by("position")]
    # One topic per concept, in keyword order: "large language models (LLMs)" is a spelling of "large language models".
    spellings = [TopicAlias.objects.get(slug=topic_slug(keyword)).topic for keyword in paper.keywords]
    assert topics == list(dict.fromkeys(spellings))
    assert topics[0].slug == "text-to-image-models"


def test_a_project_page_with_surrounding_spaces_is_trimmed(archive):
    assert Paper.objects.get(arxiv_id="2503.11646").project_page == "https://sites.google.com/view/adc-robot"


def test_submitter_from_submitted_on_daily_by_uses_the_user_key(tmp_path, hf_fixture):
    def only_paper_side_submitter(items):
        for item in items:
            del item["submittedBy"]
            item["paper"]["submittedOnDailyBy"].pop("name", None)

    path = derived_file(tmp_path, hf_fixture("2025-03-17"), only_paper_side_submitter)
    call_command("import_daily_papers", str(path), verbosity=0)
    assert Paper.objects.get(arxiv_id="2503.07677").submitted_by.username == "kwanyoung"


# Era D (2025-09-30, not among the 17 days): submitterOrganization


def test_submitter_organization_is_stored_on_the_listing(tmp_path, hf_fixture):
    def add_submitter_organization(items):
        items[0]["submitterOrganization"] = {
            "_id": "628735cbc83a2d6ab8d14a66",
            "name": "Tsinghua",
            "fullname": "Tsinghua University",
        }

    path = derived_file(tmp_path, hf_fixture("2026-08-18"), add_submitter_organization)
    call_command("import_daily_papers", str(path), verbosity=0)
    listing = Listing.objects.get(paper__arxiv_id="2608.15265")
    org = listing.submitter_organization
    assert (org.handle, org.name, org.hf_id) == ("Tsinghua", "Tsinghua University", "628735cbc83a2d6ab8d14a66")
    assert org.avatar_url  # the same organization's avatar from another item; an absent key never clears it
    assert (
        Listing.objects.exclude(paper__arxiv_id="2608.15265").filter(submitter_organization__isnull=False).count() == 0
    )


# Era E: 2026-08


def test_era_e_organization_is_stored(archive):
    paper = Paper.objects.get(arxiv_id="2608.15265")
    assert (paper.organization.handle, paper.organization.name) == ("tencent", "Tencent")
    assert paper.organization.hf_id == "66543b6e420092799d2f625c"
    assert paper.organization.avatar_url.startswith("https://cdn-avatars.huggingface.co/")
    assert Organization.objects.get(handle="UIUC-CS").name == "University of Illinois at Urbana-Champaign"


def test_era_e_fields_are_mirrored(archive):
    paper = Paper.objects.get(arxiv_id="2608.15265")
    assert paper.title == "VibeWorlding: Can Multimodal Agents Construct 3D Open Worlds End-to-End?"
    assert paper.published_at == dt.datetime(2026, 8, 15, tzinfo=dt.UTC)
    assert paper.github_repo == "https://github.com/usail-hkust/VibeWorlding-Gym"
    assert paper.github_stars == 24
    assert paper.project_page == "https://huggingface.co/collections/usail-hkust/vibeworlder"
    assert paper.ai_summary.startswith("A unified framework benchmarks and trains multimodal agents")
    assert paper.ai_summary_model == "thinkingmachines/Inkling-Small"
    assert paper.hf_discussion_id == "6a83bee4675db694db8cd472"
    assert paper.media_urls == [
        "https://cdn-uploads.huggingface.co/production/uploads/65d6a6f7654f85ff0baf161f/Vl0S_afut32qbOPXTvnBo.gif"
    ]
    assert paper.thumbnail_url == "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2608.15265.png"
    assert (paper.hf_upvotes, paper.hf_comments) == (39, 1)


def test_era_e_submitter_and_listing(archive):
    paper = Paper.objects.get(arxiv_id="2608.15265")
    assert paper.submitted_by.username == "yasNing"
    assert paper.submitted_by.fullname == "Yansong NING"
    assert paper.submitted_by.hf_id == "65d6a6f7654f85ff0baf161f"
    assert paper.submitted_by.avatar_url == "https://huggingface.co/avatars/4a46f8b0522fa572c122249a9d6526c4.svg"
    listing = paper.listings.get()
    assert (listing.date, listing.hf_position, listing.hf_upvotes, listing.submitter) == (
        dt.date(2026, 8, 18),
        0,
        39,
        paper.submitted_by,
    )


def test_era_e_paper_side_submitter_with_only_the_name_key(tmp_path, hf_fixture):
    def only_paper_side_submitter(items):
        for item in items:
            del item["submittedBy"]
            del item["paper"]["submittedOnDailyBy"]["user"]

    path = derived_file(tmp_path, hf_fixture("2026-08-18"), only_paper_side_submitter)
    call_command("import_daily_papers", str(path), verbosity=0)
    assert Paper.objects.get(arxiv_id="2608.15265").submitted_by.username == "yasNing"


def test_a_paper_listed_twice_has_both_listings_and_first_and_last_dates(archive):
    paper = Paper.objects.get(arxiv_id="2608.12313")
    listings = list(paper.listings.order_by("date").values_list("date", "hf_position", "hf_upvotes"))
    assert listings == [(dt.date(2026, 8, 13), 12, 2), (dt.date(2026, 8, 19), 4, 27)]
    assert (paper.first_listed_on, paper.last_listed_on) == (dt.date(2026, 8, 13), dt.date(2026, 8, 19))
    # Mirrored counts come from the newest listing; hotness counts from the first.
    assert (paper.hf_upvotes, paper.hf_comments, paper.points) == (27, 3, 27)
    expected = Paper(hf_upvotes=27, first_listed_on=dt.date(2026, 8, 13))
    expected.refresh_sort_keys()
    assert paper.hotness == expected.hotness


def test_keywords_missing_in_early_august_2026_leave_no_topics(archive):
    paper = Paper.objects.filter(listings__date=dt.date(2026, 8, 5)).first()
    assert paper.keywords == []
    assert paper.ai_summary == ""
    assert not paper.paper_topics.exists()


# Derived cases


def test_an_author_whose_name_has_no_slug_gets_a_stable_hash_slug(tmp_path, hf_fixture):
    def punctuation_name(items):
        items[0]["paper"]["authors"][0] = {"_id": "x" * 24, "name": "???", "hidden": False}

    path = derived_file(tmp_path, hf_fixture("2026-08-18"), punctuation_name)
    call_command("import_daily_papers", str(path), verbosity=0)
    author = Author.objects.get(name="???")
    assert author.slug.startswith("author-")
    call_command("import_daily_papers", str(path), verbosity=0)
    assert Author.objects.filter(name="???").get().pk == author.pk


def test_arxiv_ids_with_prefix_or_version_are_normalised(tmp_path, hf_fixture):
    def decorate_ids(items):
        items[0]["paper"]["id"] = "arXiv:2608.15265"
        items[1]["paper"]["id"] = items[1]["paper"]["id"] + "v3"

    source = json.loads(hf_fixture("2026-08-18").read_bytes())
    second = source[1]["paper"]["id"]
    path = derived_file(tmp_path, hf_fixture("2026-08-18"), decorate_ids)
    call_command("import_daily_papers", str(path), verbosity=0)
    assert Paper.objects.filter(arxiv_id__in=["2608.15265", second]).count() == 2


def test_the_listing_date_falls_back_to_the_top_level_published_at_without_a_date_in_the_name(tmp_path, hf_fixture):
    path = derived_file(tmp_path, hf_fixture("2024-05-27"), lambda items: None, name="old-recording.json")
    call_command("import_daily_papers", str(path), verbosity=0)
    # Top-level publishedAt of this item is 2024-05-27T03:50:58.348Z (the 2024 posting time).
    assert Listing.objects.get(paper__arxiv_id="2405.15738").date == dt.date(2024, 5, 27)
