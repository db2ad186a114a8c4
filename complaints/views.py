"""Public pages: thin adapters between HTTP, the forms, the access functions and the services."""

from django.conf import settings
from django.contrib import messages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language

from complaints import rate_limits, record_changes, selectors, services
from complaints.access import (
    ComplaintNotFound,
    access_complaint_by_reference,
    access_complaint_by_tracking_token,
    access_complaint_for_visitor,
    grant_access_through_merge,
    grant_visitor_access,
    revoke_visitor_access,
)
from complaints.forms import ComplaintForm, CustomerMessageForm, TrackComplaintForm
from complaints.tracking_links import make_tracking_token
from notifications.letters import html_to_pdf

NOT_FOUND_ANSWER = gettext_lazy(
    "We couldn't find a complaint with those details. Check the reference and the e-mail address "
    "(or postcode) you gave us, and try again."
)


@require_GET
def home(request):
    return render(request, "complaints/home.html")


@require_GET
def complaints_code(request):
    return render(request, "complaints/complaints_code.html", {"base_template": "base.html"})


_printed_codes: dict[str, bytes] = {}


@receiver(setting_changed)
def _forget_printed_codes(**kwargs):
    """The code quotes settings (the company, the scheme, the periods): a test that changes one gets
    a fresh copy, as the static fragments do."""
    _printed_codes.clear()


@require_GET
def complaints_code_pdf(request):
    """The same code, from the same template, as a large-print PDF to print or keep. Made once per
    process and language (a few hundred milliseconds of CPU each time would invite abuse)."""
    language = translation.get_language()
    if language not in _printed_codes:
        html = render_to_string(
            "complaints/complaints_code.html", {"base_template": "complaints/printable.html"}, request
        )
        _printed_codes[language] = html_to_pdf(html, what="the complaints code")
    response = HttpResponse(_printed_codes[language], content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="complaints-code-large-print.pdf"'
    return response


@require_http_methods(["GET", "POST"])
def file_complaint(request):
    status, retry_at = 200, None
    if request.method == "POST":
        form = ComplaintForm(request.POST, request.FILES)
        if retry_at := rate_limits.retry_at(request, rate_limits.FILING):
            form.add_error(None, rate_limits.limit_message(rate_limits.FILING, retry_at))
            status = 429
        elif form.is_valid():
            complaint = services.file_complaint(**form.cleaned_data, language=translation.get_language())
            rate_limits.count(request, rate_limits.FILING)
            grant_visitor_access(session=request.session, complaint=complaint)
            request.session["just_filed"] = complaint.reference
            return redirect("complaints:filed")
        else:
            status = 400
    else:
        form = ComplaintForm()
    context = {"form": form, "files_were_chosen": bool(request.FILES)}
    return limited(render(request, "complaints/file_complaint.html", context, status=status), retry_at)


@require_GET
def complaint_filed(request):
    try:
        complaint = access_complaint_for_visitor(
            session=request.session, reference=request.session.get("just_filed", "")
        )
    except ComplaintNotFound:
        return redirect("home")
    token = make_tracking_token(reference=complaint.reference, tracking_key=complaint.tracking_key)
    private_link = request.build_absolute_uri(reverse("complaints:tracking_link", args=[token]))
    return render(
        request,
        "complaints/complaint_filed.html",
        {"complaint": complaint, "private_link": private_link},
    )


@require_http_methods(["GET", "POST"])
def track_complaint(request):
    status, retry_at = 200, None
    if request.method == "POST":
        form = TrackComplaintForm(request.POST)
        if retry_at := rate_limits.retry_at(request, rate_limits.LOOKUP):
            form.add_error(None, rate_limits.limit_message(rate_limits.LOOKUP, retry_at))
            status = 429
        elif form.is_valid():
            rate_limits.count(request, rate_limits.LOOKUP)
            try:
                complaint = access_complaint_by_reference(
                    reference=form.cleaned_data["reference"],
                    email_or_postcode=form.cleaned_data["email_or_postcode"],
                )
            except ComplaintNotFound:
                form.add_error(None, NOT_FOUND_ANSWER)
            else:
                grant_visitor_access(session=request.session, complaint=complaint)
                return _in_its_language(
                    redirect("complaints:detail", reference=complaint.reference), request, complaint
                )
    else:
        form = TrackComplaintForm(initial={"reference": request.GET.get("reference", "")[:30]})
    return limited(
        render(request, "complaints/track_complaint.html", {"form": form}, status=status), retry_at
    )


@require_GET
def tracking_link(request, token):
    try:
        complaint = access_complaint_by_tracking_token(token=token)
    except ComplaintNotFound:
        return _not_found(request)
    grant_visitor_access(session=request.session, complaint=complaint)
    return _in_its_language(redirect("complaints:detail", reference=complaint.reference), request, complaint)


@require_http_methods(["GET", "POST"])
def complaint_detail(request, reference):
    try:
        complaint = access_complaint_for_visitor(session=request.session, reference=reference)
    except ComplaintNotFound:
        return _not_found(request)
    if complaint.merged_into_id is not None:
        primary = grant_access_through_merge(session=request.session, duplicate=complaint)
        messages.info(
            request,
            _(
                "Your complaint %(merged)s was joined with %(primary)s. Its history is shown here, with this one's."
            )
            % {"merged": complaint.reference, "primary": primary.reference},
        )
        if request.method != "POST":
            return redirect("complaints:detail", reference=primary.reference)
        complaint = primary  # a message written on the page before the merge joins the primary
    status, retry_at = 200, None
    if request.method == "POST":
        form = CustomerMessageForm(request.POST, request.FILES)
        if retry_at := rate_limits.retry_at(request, rate_limits.MESSAGE):
            form.add_error(None, rate_limits.limit_message(rate_limits.MESSAGE, retry_at))
            status = 429
        elif form.is_valid():
            services.add_customer_message(
                complaint=complaint,
                body=form.cleaned_data["body"],
                attachments=form.cleaned_data["attachments"],
            )
            rate_limits.count(request, rate_limits.MESSAGE)
            messages.success(request, _("Thank you. Your message has been added to your complaint."))
            return redirect("complaints:detail", reference=complaint.reference)
        else:
            status = 400
    else:
        form = CustomerMessageForm()
    context = {
        "complaint": complaint,
        "timeline": selectors.customer_timeline(complaint=complaint),
        "form": form,
    }
    return limited(render(request, "complaints/complaint_detail.html", context, status=status), retry_at)


@require_GET
def complaint_attachment(request, reference, attachment_id):
    try:
        complaint = access_complaint_for_visitor(session=request.session, reference=reference)
    except ComplaintNotFound:
        return _not_found(request)
    attachment = selectors.complaint_attachment(complaint=complaint, attachment_id=attachment_id)
    if attachment is None:
        raise Http404
    return attachment_response(attachment)


@require_POST
def choose_language(request):
    """The language switch (Django's set_language, back to the same page). On the customer's own
    complaint's pages it changes the complaint's language too: later e-mails and letters follow."""
    response = set_language(request)
    language = request.POST.get("language", "")
    reference = _complaint_reference_of(request.POST.get("next", ""), session=request.session)
    if reference and language in dict(settings.LANGUAGES):
        try:
            complaint = access_complaint_for_visitor(session=request.session, reference=reference)
        except ComplaintNotFound:
            return response  # someone else's complaint, or none: only the browser's choice changes
        record_changes.update_contact_details(complaint=complaint, language=language)
    return response


def _complaint_reference_of(path: str, *, session) -> str:
    """The complaint a customer page is about (its page, a referral, the page after filing), else ""."""
    try:
        match = resolve(path.split("?", 1)[0])
    except Resolver404:
        return ""
    if match.view_name == "complaints:filed":
        return session.get("just_filed", "")
    if match.namespace not in {"complaints", "escalation"}:
        return ""
    return match.kwargs.get("reference", "")


def _in_its_language(response, request, complaint):
    """A browser that has not chosen a language opens a complaint in the complaint's own (the link in
    a Welsh e-mail opens in Welsh); a choice already made stands."""
    if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            complaint.language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        )
    return response


@require_POST
def leave(request):
    revoke_visitor_access(session=request.session)
    messages.info(
        request,
        _("This browser no longer shows your complaints. Use your reference to open them again."),
    )
    return redirect("home")


def attachment_response(attachment) -> FileResponse:
    """A stored file as a download: its checked content type, never rendered inline by the browser."""
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


def limited(response, retry_at):
    """A refused form's page says, in the header too, when the client may try again."""
    if retry_at is not None:
        response["Retry-After"] = rate_limits.retry_after_seconds(retry_at)
    return response


def _not_found(request):
    return render(request, "complaints/complaint_not_found.html", status=404)
