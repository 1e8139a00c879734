"""DOT under /o/ as its tutorial mounts it, its RFC 8414 metadata also at the root as
its docs advise, Django's login page, and one protected API."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path
from oauth2_provider import urls as oauth2_urls

from .views import Hello

urlpatterns = [
    path("o/", include(oauth2_urls)),
    path("", include((oauth2_urls.metadata_urlpatterns, "oauth2_metadata"))),
    # Django's own login view, drawn with the admin's login template
    path(
        "accounts/login/",
        LoginView.as_view(
            template_name="admin/login.html",
            extra_context={"site_header": "Photo Printing", "site_title": "Photo Printing"},
        ),
        name="login",
    ),
    path("admin/", admin.site.urls),
    path("api/hello", Hello.as_view()),
]
