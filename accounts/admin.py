from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Profile", {"fields": ("display_name", "bio", "links", "upvotes_public")}),
        ("Email", {"fields": ("email_on_reply", "email_on_mention")}),
        ("Standing", {"fields": ("karma", "suspended_at", "suspension_reason", "deleted_at")}),
    )
    readonly_fields = ("karma", "deleted_at")
    list_display = ("username", "email", "display_name", "karma", "is_staff", "suspended_at", "date_joined")
    list_filter = (*BaseUserAdmin.list_filter, "suspended_at", "deleted_at")
