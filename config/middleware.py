"""Project-wide request guards, before any app sees the request."""

from django.conf import settings
from django.http import HttpResponseBadRequest
from django.utils import translation

from config.errors import api_problem, is_api, request_too_large


class RejectNulCharactersMiddleware:
    """A NUL character in the query string is never a real filter, search or page number, and
    PostgreSQL cannot compare text with one: answer 400 at once instead of failing deep in a query.
    (Form fields already refuse NUL characters in what they are sent.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            if is_api(request):
                return api_problem(
                    status=400, title="Bad Request", detail="Invalid characters in the address."
                )
            return HttpResponseBadRequest("Invalid characters in the address.", content_type="text/plain")
        return self.get_response(request)


class NoStoreMiddleware:
    """Every page the portal renders carries personal data or may (a customer's complaint, the
    staff lists), so none is kept by a browser's back-forward cache, a shared computer's disk or a
    proxy: `Cache-Control: private, no-store` unless a view chose its own caching. Static files
    never reach this (WhiteNoise answers them first, with their own long-lived caching)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Cache-Control" not in response:
            response["Cache-Control"] = "private, no-store"
        return response


class RequestBodyLimitMiddleware:
    """Refuse a body larger than MAX_REQUEST_BODY_BYTES (the API's: DATA_UPLOAD_MAX_MEMORY_SIZE) from
    its Content-Length, before anything
    reads it (CSRF checking reads a POST's form): a 200 MB upload costs the worker nothing. The
    proxy enforces the same limit in front (deploy/Caddyfile); this holds when it is bypassed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body it cannot size
        if is_api(request):
            # The API takes no files: its limit is the form fields' own, past which Django would
            # refuse the body when read (an HTML 400).
            if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
                return api_problem(
                    status=413,
                    title="Content Too Large",
                    detail=f"At most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes in one request.",
                )
        elif length > settings.MAX_REQUEST_BODY_BYTES:
            return request_too_large(limit_bytes=settings.MAX_REQUEST_BODY_BYTES)
        return self.get_response(request)


class StaffPagesInEnglishMiddleware:
    """Staff pages stay in English whatever language the browser chose for the customer pages:
    Django's admin ships its own Welsh, which would otherwise follow a customer's cookie onto a
    shared office computer. Right after LocaleMiddleware, which activated the visitor's choice."""

    STAFF_PATH_PREFIXES = ("/admin/", "/staff/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(self.STAFF_PATH_PREFIXES):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        return self.get_response(request)
