from django.contrib import admin

from .models import Author, Authorship, HFUser, Listing, Organization, Paper, PaperTopic, Topic


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
