from django.contrib.sitemaps import views as sitemaps
from django.urls import path, register_converter
from django.views.decorators.http import require_safe
from django.views.generic import RedirectView

from . import atom, converters
from .caching import cache_anonymous_page
from .sitemaps import SITEMAPS
from .views import (
    api_docs,
    authors,
    crawlers,
    discussion,
    feed,
    following,
    listings,
    moderation,
    operations,
    people,
    submit,
    topics,
)

register_converter(converters.ArxivIdConverter, "arxiv")
register_converter(converters.VersionedArxivIdConverter, "arxiv_version")
register_converter(converters.DateConverter, "date")
register_converter(converters.KeyConverter, "key")
register_converter(converters.AuthorKeyConverter, "author_key")
register_converter(converters.IsoWeekConverter, "week")
register_converter(converters.MonthConverter, "month")


def following_paths(prefix: str, kind: str, converter: str = "key") -> list:
    """POST toggles `<prefix>/<key>/follow/` and `…/mute/`, named `follow-<kind>` and `mute-<kind>`."""
    return [
        path(
            f"{prefix}/<{converter}:key>/{mode}/",
            following.follow_toggle,
            {"kind": kind, "mode": mode},
            name=f"{mode}-{kind}",
        )
        for mode in ("follow", "mute")
    ]


app_name = "papers"
urlpatterns = [
    path("", listings.home, name="home"),
    path("papers/", listings.all_papers, name="all-papers"),
    path("feed/", feed.feed, name="feed"),
    path("feed/less/<arxiv:arxiv_id>/", feed.less, name="feed-less"),
    path("feed/mute/", feed.mute, name="feed-mute"),
    path("papers/date/<date:day>/", listings.day_listing, name="day"),
    path("papers/week/<week:monday>/", listings.week_listing, name="week"),
    path("papers/month/<month:first>/", listings.month_listing, name="month"),
    path("papers/trending/", listings.trending, name="trending"),
    path("papers/feed/", cache_anonymous_page(atom.DailyFeed()), name="daily-feed"),
    # The feeds of the listings above: the same papers in the same order as their pages show by default.
    path("papers/date/<date:first>/feed/", cache_anonymous_page(atom.PeriodFeed("day")), name="day-feed"),
    path("papers/week/<week:first>/feed/", cache_anonymous_page(atom.PeriodFeed("week")), name="week-feed"),
    path("papers/month/<month:first>/feed/", cache_anonymous_page(atom.PeriodFeed("month")), name="month-feed"),
    path("papers/trending/feed/", cache_anonymous_page(atom.TrendingFeed()), name="trending-feed"),
    path("papers/<arxiv:arxiv_id>/", listings.paper_detail, name="detail"),
    path(
        "papers/<arxiv_version:arxiv_id>/",
        RedirectView.as_view(pattern_name="papers:detail", permanent=True, query_string=True),
        name="detail-version",
    ),
    path("papers/<arxiv:arxiv_id>/bibtex/", listings.paper_bibtex, name="bibtex"),
    # Hugging Face's address of a paper as Markdown (`HfApi.read_paper`); with a version, the same paper.
    path("papers/<arxiv:arxiv_id>.md", listings.paper_as_markdown, name="markdown"),
    path(
        "papers/<arxiv_version:arxiv_id>.md",
        RedirectView.as_view(pattern_name="papers:markdown", permanent=True),
        name="markdown-version",
    ),
    path("papers/<arxiv:arxiv_id>/upvote/", discussion.paper_upvote, name="upvote"),
    path("papers/<arxiv:arxiv_id>/save/", following.save_toggle, name="save"),
    path("papers/<arxiv:arxiv_id>/comments/", discussion.comment_create, name="comments"),
    path("papers/<arxiv:arxiv_id>/comments/<int:comment_id>/", discussion.comment_detail, name="comment"),
    path("papers/<arxiv:arxiv_id>/comments/<int:comment_id>/edit/", discussion.comment_edit, name="comment-edit"),
    path("papers/<arxiv:arxiv_id>/comments/<int:comment_id>/delete/", discussion.comment_delete, name="comment-delete"),
    path("papers/<arxiv:arxiv_id>/comments/<int:comment_id>/upvote/", discussion.comment_upvote, name="comment-upvote"),
    path("papers/<arxiv:arxiv_id>/comments/<int:comment_id>/flag/", discussion.comment_flag, name="comment-flag"),
    path("comments/preview/", discussion.comment_preview, name="comment-preview"),
    path("users/<key:username>/", people.profile, name="profile"),
    path("settings/", people.settings_view, name="settings"),
    path("settings/delete/", people.delete_account, name="delete-account"),
    path("settings/feed-token/", people.regenerate_feed_token, name="regenerate-feed-token"),
    path("settings/api-tokens/", people.api_token_create, name="api-tokens"),
    path("settings/api-tokens/<int:token_id>/revoke/", people.api_token_revoke, name="api-token-revoke"),
    # Per member and secret: never behind cache_anonymous_page (the feed sets no-store itself).
    path("feeds/<slug:token>/", atom.PrivateFeed(), name="private-feed"),
    path("notifications/", people.notifications, name="notifications"),
    path("notifications/<int:notification_id>/read/", people.notification_read, name="notification-read"),
    path("notifications/read-all/", people.notifications_read_all, name="notifications-read-all"),
    path("unsubscribe/<key:token>/", people.unsubscribe, name="unsubscribe"),
    # An author's key is a name's slug, or with namesakes `slug/number` (papers.models.Author.key).
    path("authors/<author_key:key>/", authors.author_detail, name="author"),
    path("authors/<author_key:key>/feed/", cache_anonymous_page(atom.AuthorFeed()), name="author-feed"),
    path("authors/<author_key:key>/merge/", authors.author_merge, name="author-merge"),
    path("authors/<author_key:key>/split/", authors.author_split, name="author-split"),
    path("orgs/<key:handle>/", listings.organization_detail, name="organization"),
    path("orgs/<key:handle>/feed/", cache_anonymous_page(atom.OrganizationFeed()), name="organization-feed"),
    path("topics/<key:slug>/", listings.topic_detail, name="topic"),
    path("topics/<key:slug>/feed/", cache_anonymous_page(atom.TopicFeed()), name="topic-feed"),
    path("topics/<key:slug>/merge/", topics.merge, name="topic-merge"),
    path("topics/<key:slug>/split/", topics.split, name="topic-split"),
    path("topics/<key:slug>/rename/", topics.rename, name="topic-rename"),
    # follow-topic, mute-topic, follow-author, mute-author, follow-organization, mute-organization,
    # follow-member, mute-member: /topics/<slug>/follow/, /topics/<slug>/mute/ and so on.
    *following_paths("topics", "topic"),
    *following_paths("authors", "author", "author_key"),
    *following_paths("orgs", "organization"),
    *following_paths("users", "member"),
    path("saved/", following.saved, name="saved"),
    path("saved/bibtex/", following.saved_bibtex, name="saved-bibtex"),
    path("settings/following/", following.following, name="following"),
    path("welcome/", following.welcome, name="welcome"),
    path("submit/", submit.submit, name="submit"),
    path("search/", listings.search, name="search"),
    path("search/feed/", cache_anonymous_page(atom.SearchFeed()), name="search-feed"),
    path("about/ranking/", listings.about_ranking, name="about-ranking"),
    path("api/docs/", require_safe(cache_anonymous_page(api_docs.api_docs)), name="api-docs"),
    path("healthz/", listings.healthz, name="healthz"),
    path("readyz/", operations.readyz, name="readyz"),
    path("robots.txt", crawlers.robots_txt, name="robots"),
    path("favicon.ico", crawlers.favicon, name="favicon"),
    path(
        "sitemap.xml",
        require_safe(cache_anonymous_page(sitemaps.index)),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "papers:sitemap-section"},
        name="sitemap",
    ),
    path(
        "sitemap-<slug:section>.xml",
        require_safe(cache_anonymous_page(sitemaps.sitemap)),
        {"sitemaps": SITEMAPS},
        name="sitemap-section",
    ),
    path("moderation/", moderation.log, name="moderation-log"),
    path("moderation/queue/", moderation.queue, name="moderation-queue"),
    path("moderation/comments/<int:comment_id>/", moderation.comment_detail, name="moderation-comment"),
    path(
        "moderation/comments/<int:comment_id>/hide/",
        moderation.comment_action,
        {"action": "hide"},
        name="moderation-comment-hide",
    ),
    path(
        "moderation/comments/<int:comment_id>/restore/",
        moderation.comment_action,
        {"action": "restore"},
        name="moderation-comment-restore",
    ),
    path(
        "moderation/comments/<int:comment_id>/dismiss/",
        moderation.comment_action,
        {"action": "dismiss"},
        name="moderation-comment-dismiss",
    ),
    path("moderation/members/<key:username>/", moderation.member_detail, name="moderation-member"),
    path(
        "moderation/members/<key:username>/suspend/",
        moderation.member_action,
        {"action": "suspend"},
        name="moderation-member-suspend",
    ),
    path(
        "moderation/members/<key:username>/unsuspend/",
        moderation.member_action,
        {"action": "unsuspend"},
        name="moderation-member-unsuspend",
    ),
]
