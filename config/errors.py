"""The pages a customer sees when something fails before their request is done.

Rendered from settings alone — no request context, no session, no database — so they show while
the database is down, which is when they are needed most.
"""

import sys

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults

from complaints.uploads import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS

# In the visitor's language when LocaleMiddleware has run; in English when it has not (a request
# refused before it, like one too large).
NOT_SAVED = gettext_lazy(
    "If you were sending us a complaint, a message or a file, it has not been saved. "
    "Please try again in a few minutes: what you typed may still be in your browser if you go back."
)


# The API's paths (integrations/): their errors are problem details (RFC 9457), never a page.
API_PATH_PREFIX = "/api/"


def is_api(request) -> bool:
    return request.path_info.startswith(API_PATH_PREFIX) or request.path_info == API_PATH_PREFIX.rstrip("/")


def api_problem(*, status: int, title: str, detail: str) -> JsonResponse:
    return JsonResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail},
        status=status,
        content_type="application/problem+json",
    )


def error_page(*, status: int, title: str, paragraphs: list[str]) -> HttpResponse:
    body = loader.get_template("errors/page.html").render(
        {"company": settings.COMPANY, "title": title, "paragraphs": paragraphs}
    )
    return HttpResponse(body, status=status)


def bad_request(request, exception):
    """handler400: a problem for the API (a body Django would not read, sent without its size)."""
    if is_api(request):
        return api_problem(status=400, title="Bad Request", detail="The request could not be read.")
    return defaults.bad_request(request, exception)


def page_not_found(request, exception):
    """handler404: a problem for any path under /api/ (integrations answers its own v1's)."""
    if is_api(request):
        return api_problem(status=404, title="Not Found", detail="No such endpoint: see /api/v1/schema/.")
    return defaults.page_not_found(request, exception)


def server_error(request):
    """handler500: a database outage is a 503 (try again soon), anything else a 500."""
    if is_api(request):
        outage = isinstance(sys.exc_info()[1], DatabaseError)
        response = api_problem(
            status=503 if outage else 500,
            title="Service Unavailable" if outage else "Internal Server Error",
            detail="Our records cannot be reached; try again in a few minutes."
            if outage
            else "Something went wrong on our side; we have been told.",
        )
        if outage:
            response["Retry-After"] = "120"
        return response
    if isinstance(sys.exc_info()[1], DatabaseError):
        response = error_page(
            status=503,
            title=_("Sorry, our complaints service is unavailable"),
            paragraphs=[_("We can't reach our records at the moment."), NOT_SAVED],
        )
        response["Retry-After"] = "120"
        return response
    return error_page(
        status=500,
        title=_("Sorry, something went wrong on our side"),
        paragraphs=[_("We have been told about the problem."), NOT_SAVED],
    )


def request_too_large(*, limit_bytes: int) -> HttpResponse:
    return error_page(
        status=413,
        title="What you sent is too large",
        paragraphs=[
            f"We accept at most {limit_bytes // (1024 * 1024)} MB in one go: up to {MAX_ATTACHMENTS} "
            f"files of {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB each.",
            "Nothing has been saved. Go back, choose smaller or fewer files (you can add more "
            "afterwards, as a message on your complaint), and send it again.",
        ],
    )
