"""The customer's satisfaction survey pages: thin adapters between the links, the form and the services.

A link in the e-mail only opens a page (a GET never records anything: mail scanners open links);
the answer is recorded by the page's POST.
"""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from complaints import rate_limits
from complaints.access import ComplaintNotFound, access_complaint_for_visitor
from complaints.views import _in_its_language, limited
from escalation import satisfaction
from escalation.forms import SatisfactionForm


@require_http_methods(["GET", "POST"])
def survey(request, token):
    """The survey from the e-mail's link: the score chosen in the e-mail, a comment, and Send."""
    try:
        found = satisfaction.access_survey_by_token(token)
    except satisfaction.SurveyLinkInvalid:
        return _invalid_link(request)
    complaint = found.survey.complaint
    with _in_customer_language(request, complaint):
        if not found.open:
            return _in_its_language(_closed(request, found), request, complaint)
        page = _answer_page(request, found, action=request.path, chosen=request.GET.get("score", ""))
        return _in_its_language(page, request, complaint)


@require_http_methods(["GET", "POST"])
def survey_for_visitor(request, reference):
    """The same questions for a customer who opened their complaint (its page posts here)."""
    try:
        complaint = access_complaint_for_visitor(session=request.session, reference=reference)
    except ComplaintNotFound:
        return render(request, "complaints/complaint_not_found.html", status=404)
    found = satisfaction.survey_for_customer(complaint=complaint)
    if found is None:
        return redirect("complaints:detail", reference=complaint.reference)
    if not found.open:
        return _closed(request, found)
    page = _answer_page(request, found, action=request.path, chosen="")
    if page.status_code == 302:
        page["Location"] = reverse("complaints:detail", args=[complaint.reference]) + "#satisfaction"
    return page


def _answer_page(request, found: satisfaction.CustomerSurvey, *, action: str, chosen: str):
    status, retry_at = 200, None
    answer = found.survey
    if request.method == "POST":
        form = SatisfactionForm(request.POST)
        if retry_at := rate_limits.retry_at(request, rate_limits.MESSAGE):
            form.add_error(None, rate_limits.limit_message(rate_limits.MESSAGE, retry_at))
            status = 429
        elif form.is_valid():
            try:
                satisfaction.answer_survey(survey=answer, **form.cleaned_data)
            except satisfaction.SurveyClosed:  # the window closed while the page was open
                return _closed(request, found)
            rate_limits.count(request, rate_limits.MESSAGE)
            messages.success(request, gettext("Thank you. We have your answer."))
            return redirect(action)
        else:
            status = 400
    else:
        score = int(chosen) if chosen in {"1", "2", "3", "4", "5"} else answer.score
        form = SatisfactionForm(initial={"score": score, "comment": answer.comment})
    context = {
        "found": found,
        "complaint": answer.complaint,
        "form": form,
        "action": action,
        "chosen_from_email": bool(chosen) and request.method == "GET",
    }
    return limited(render(request, "escalation/survey.html", context, status=status), retry_at)


@require_http_methods(["GET", "POST"])
def stop_surveys(request, token):
    """ "Don't ask me again": a page with one button (a GET changes nothing), then done."""
    try:
        complaint = satisfaction.access_complaint_by_stop_token(token)
    except satisfaction.SurveyLinkInvalid:
        return _invalid_link(request)
    with _in_customer_language(request, complaint):
        status, retry_at, error = 200, None, ""
        if request.method == "POST":
            if retry_at := rate_limits.retry_at(request, rate_limits.MESSAGE):
                error, status = rate_limits.limit_message(rate_limits.MESSAGE, retry_at), 429
            else:
                complaint = satisfaction.decline_surveys(complaint=complaint)
                rate_limits.count(request, rate_limits.MESSAGE)
        context = {"complaint": complaint, "error": error}
        page = render(request, "escalation/survey_stop.html", context, status=status)
    return _in_its_language(limited(page, retry_at), request, complaint)


def _closed(request, found: satisfaction.CustomerSurvey):
    context = {"found": found, "complaint": found.survey.complaint}
    return render(request, "escalation/survey_closed.html", context, status=410)


def _invalid_link(request):
    return render(request, "escalation/survey_link_invalid.html", status=400)


def _in_customer_language(request, complaint):
    """A link from the e-mail opens in the complaint's language in a browser that has not chosen one."""
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return translation.override(translation.get_language())
    request.LANGUAGE_CODE = complaint.language
    return translation.override(complaint.language)
