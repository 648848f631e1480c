"""Project-level views."""

from django.http import HttpRequest, HttpResponse


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness probe for the deploy health check: always 200 "ok"."""
    return HttpResponse("ok", content_type="text/plain")
