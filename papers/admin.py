from django.contrib import admin

from .models import (
    Author,
    Authorship,
    Comment,
    CommentVote,
    Flag,
    HFUser,
    Listing,
    ModerationAction,
    Notification,
    Organization,
    Paper,
    PaperTopic,
    PaperVote,
    Submission,
    Topic,
)


class AuthorshipInline(admin.TabularInline):
    model = Authorship
    raw_id_fields = ("author", "hf_user")
    extra = 0


class PaperTopicInline(admin.TabularInline):
    model = PaperTopic
    raw_id_fields = ("topic",)
    extra = 0


class ListingInline(admin.TabularInline):
    model = Listing
    raw_id_fields = ("submitter", "submitter_organization")
    extra = 0


@admin.register(Paper)
class PaperAdmin(admin.ModelAdmin):
    list_display = ("arxiv_id", "title", "published_at", "last_listed_on", "hf_upvotes", "upvote_count", "points")
    search_fields = ("arxiv_id", "title")
    list_filter = ("last_listed_on",)
    date_hierarchy = "published_at"
    raw_id_fields = ("organization", "submitted_by")
    readonly_fields = ("points", "hotness", "created_at", "updated_at")
    inlines = [AuthorshipInline, PaperTopicInline, ListingInline]


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    list_display = ("date", "paper", "hf_upvotes", "hf_comments", "hf_position", "submitter")
    list_filter = ("date",)
    raw_id_fields = ("paper", "submitter", "submitter_organization")


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "hf_user")
    search_fields = ("name", "slug")
    raw_id_fields = ("hf_user",)


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name", "slug")


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("handle", "name")
    search_fields = ("handle", "name")


@admin.register(HFUser)
class HFUserAdmin(admin.ModelAdmin):
    list_display = ("username", "fullname")
    search_fields = ("username", "fullname")


@admin.register(PaperVote)
class PaperVoteAdmin(admin.ModelAdmin):
    list_display = ("paper", "user", "created_at")
    search_fields = ("paper__arxiv_id", "user__username")
    date_hierarchy = "created_at"
    raw_id_fields = ("paper", "user")
    list_select_related = ("paper", "user")


class FlagInline(admin.TabularInline):
    model = Flag
    fk_name = "comment"
    raw_id_fields = ("user", "resolved_by")
    extra = 0


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """Hide and restore through the moderation pages, which log the action; edit here only to repair data."""

    list_display = ("pk", "paper", "author", "created_at", "upvote_count", "flag_count", "is_deleted", "is_hidden")
    list_filter = (("hidden_at", admin.EmptyFieldListFilter), ("deleted_at", admin.EmptyFieldListFilter))
    search_fields = ("body", "author__username", "paper__arxiv_id")
    date_hierarchy = "created_at"
    raw_id_fields = ("paper", "author", "parent")
    list_select_related = ("paper", "author")
    readonly_fields = ("body_html", "upvote_count", "flag_count", "confidence", "depth")
    inlines = [FlagInline]

    @admin.display(boolean=True, description="Deleted")
    def is_deleted(self, comment: Comment) -> bool:
        return comment.is_deleted

    @admin.display(boolean=True, description="Hidden")
    def is_hidden(self, comment: Comment) -> bool:
        return comment.is_hidden


@admin.register(CommentVote)
class CommentVoteAdmin(admin.ModelAdmin):
    list_display = ("comment", "user", "created_at")
    search_fields = ("user__username",)
    date_hierarchy = "created_at"
    raw_id_fields = ("comment", "user")
    list_select_related = ("comment", "user")


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ("comment", "user", "reason", "created_at", "resolved_at", "resolved_by")
    list_filter = ("reason", ("resolved_at", admin.EmptyFieldListFilter))
    search_fields = ("note", "user__username", "comment__body")
    date_hierarchy = "created_at"
    raw_id_fields = ("comment", "user", "resolved_by")
    list_select_related = ("comment", "user", "resolved_by")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("recipient", "kind", "actor", "paper", "created_at", "read_at", "emailed_at")
    list_filter = ("kind", ("read_at", admin.EmptyFieldListFilter), ("emailed_at", admin.EmptyFieldListFilter))
    search_fields = ("recipient__username", "actor__username", "paper__arxiv_id")
    date_hierarchy = "created_at"
    raw_id_fields = ("recipient", "actor", "paper", "comment")
    list_select_related = ("recipient", "actor", "paper")


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ("paper", "user", "created_at")
    search_fields = ("paper__arxiv_id", "paper__title", "user__username")
    date_hierarchy = "created_at"
    raw_id_fields = ("paper", "user")
    list_select_related = ("paper", "user")


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    """The public log is append-only: actions are taken on the moderation pages, never added or edited here."""

    list_display = ("created_at", "moderator", "action", "comment", "user", "reason")
    list_filter = ("action",)
    search_fields = ("reason", "moderator__username", "user__username")
    date_hierarchy = "created_at"
    raw_id_fields = ("moderator", "comment", "user")
    list_select_related = ("moderator", "comment", "user")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
