"""The resource server: one API behind DOT's bearer-token check (RFC 6750)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from oauth2_provider.views.generic import ProtectedResourceView


class Hello(ProtectedResourceView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        return JsonResponse({"hello": request.resource_owner.get_username()})
