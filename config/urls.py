from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path, re_path

from papers.api import main as api

# The admin logs in through allauth's login, with its rate limits.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/", api.urls()),
    # Any other address under /api/ (the docs page, /api/docs/, is the site's own): a 404 problem document.
    re_path(r"^api/(?!docs/?\Z)(?P<path>[\s\S]*)\Z", api.unknown_path),
    path("", include("papers.urls")),
]

# A PermissionDenied raised by a view: the 403 page with its message, or for htmx the message in place.
handler403 = "papers.views.http.permission_denied"
handler500 = "papers.views.operations.server_error"
