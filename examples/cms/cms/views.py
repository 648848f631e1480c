"""Project-level views: the health check and what release answers."""

import os
from pathlib import Path

from django.http import HttpRequest, HttpResponse, JsonResponse

# The project's folder: on a deployed host, a release folder named <stamp>-<sha7>.
PROJECT = Path(__file__).resolve().parent.parent
# The release serving: the folder's name, or in a container of a Compose release (whose
# folder is the image's) the release its image was built for (compose.yaml passes it on).
RELEASE = os.environ.get("CMS_RELEASE") or PROJECT.name


def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness probe for the deploy health check: 200 "ok", the release in X-Release."""
    response = HttpResponse("ok", content_type="text/plain")
    response["X-Release"] = RELEASE
    return response


def version(request: HttpRequest) -> JsonResponse:
    """The release folder serving this request and the git commit it was made from."""
    return JsonResponse({"release": RELEASE, "commit": _commit(PROJECT)})


def _commit(folder: Path) -> str | None:
    """HEAD of the checkout or worktree in ``folder`` when it is a detached commit, else None."""
    dot_git = folder / ".git"
    try:
        if dot_git.is_file():  # a worktree: "gitdir: <repo>/worktrees/<name>"
            dot_git = Path(dot_git.read_text().split(":", 1)[1].strip())
        head = (dot_git / "HEAD").read_text().strip()
    except (OSError, IndexError):
        return None
    return head if len(head) == 40 and all(c in "0123456789abcdef" for c in head) else None
