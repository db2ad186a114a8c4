"""Every error in one JSON shape: RFC 9457 problem details (`application/problem+json`), with the
fields' errors under "errors" when the request had invalid ones."""

from http import HTTPStatus

from rest_framework.exceptions import ValidationError
from rest_framework.views import exception_handler

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem_details(exc, context):
    response = exception_handler(exc, context)
    if response is None:  # not an API exception: Django's 500 handling, logged as any other
        return None
    status = HTTPStatus(response.status_code)
    problem = {"type": "about:blank", "title": status.phrase, "status": status.value}
    if isinstance(exc, ValidationError):
        problem["detail"] = "The request has invalid fields: see errors."
        problem["errors"] = response.data
    else:
        problem["detail"] = str(response.data.get("detail", status.description))
    response.data = problem
    response.content_type = PROBLEM_CONTENT_TYPE
    return response
