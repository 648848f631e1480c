"""Read-only views of the content, as the site's pages would query it."""

from django.http import HttpRequest, JsonResponse

from .models import Asset, Resource

LATEST = 20


def assets(request: HttpRequest) -> JsonResponse:
    """The newest assets with their resource, every column read: a page that needs the schema."""
    rows = Asset.objects.select_related("resource")[:LATEST]
    return JsonResponse(
        {
            "resources": Resource.objects.count(),
            "assets": [
                {"title": a.title, "resource": a.resource.name, "size": a.file_size} for a in rows
            ],
        }
    )
