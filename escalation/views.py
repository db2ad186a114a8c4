"""The customer's escalation steps: thin adapters between the forms, the access functions and the services."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import dateformat, timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from complaints import rate_limits
from complaints.access import ComplaintNotFound, access_complaint_for_visitor
from complaints.models import Complaint
from complaints.views import limited
from escalation import clocks, selectors, services
from escalation.forms import ManagingDirectorReviewForm, ReferralForm
from escalation.rules import ActionNotAllowed
from escalation.working_days import working_calendar


@require_http_methods(["GET", "POST"])
def refer_to_complaints_manager(request, reference):
    try:
        complaint = access_complaint_for_visitor(session=request.session, reference=reference)
    except ComplaintNotFound:
        return render(request, "complaints/complaint_not_found.html", status=404)
    # A POST is checked by the service's own rule (one read fewer); a GET only shows an allowed form.
    if request.method == "GET" and not selectors.customer_progress(complaint=complaint).can_refer_to_manager:
        return redirect("complaints:detail", reference=complaint.reference)
    status, retry_at = 200, None
    if request.method == "POST":
        form = ReferralForm(request.POST)
        if retry_at := rate_limits.retry_at(request, rate_limits.MESSAGE):
            form.add_error(None, rate_limits.limit_message(rate_limits.MESSAGE, retry_at))
            status = 429
        elif form.is_valid():
            details = form.cleaned_data
            try:
                escalation = services.refer_to_complaints_manager(
                    complaint=complaint,
                    channel=Complaint.Channel.PORTAL,
                    reply_preference=details["reply_preference"],
                    contact_details={
                        field: details[field] for field in ("customer_name", "postal_address", "postcode")
                    },
                    reason=details["reason"],
                )
            except ActionNotAllowed as refusal:  # the complaint moved on since the page was shown
                return _not_now(request, complaint, refusal)
            rate_limits.count(request, rate_limits.MESSAGE)
            messages.success(
                request,
                gettext(
                    "Your complaint is now with the Complaints Manager. Their written response is due by %(due)s."
                )
                % {"due": dateformat.format(escalation.stage_two_response_due, "l j F Y")},
            )
            return redirect("complaints:detail", reference=complaint.reference)
        else:
            status = 400
    else:
        form = ReferralForm(
            initial={
                "customer_name": complaint.customer_name,
                "postal_address": complaint.postal_address,
                "postcode": complaint.postcode,
                "reply_preference": complaint.reply_preference,
            }
        )
    due_if_sent_today = clocks.stage_two_response_due(timezone.localdate(), working_calendar())
    context = {"complaint": complaint, "form": form, "due_if_sent_today": due_if_sent_today}
    return limited(
        render(request, "escalation/refer_to_complaints_manager.html", context, status=status), retry_at
    )


@require_http_methods(["GET", "POST"])
def request_md_review(request, reference):
    try:
        complaint = access_complaint_for_visitor(session=request.session, reference=reference)
    except ComplaintNotFound:
        return render(request, "complaints/complaint_not_found.html", status=404)
    if request.method == "GET" and not selectors.customer_progress(complaint=complaint).can_ask_for_md_review:
        return redirect("complaints:detail", reference=complaint.reference)
    status, retry_at = 200, None
    form = ManagingDirectorReviewForm(request.POST or None)
    if request.method == "POST":
        if retry_at := rate_limits.retry_at(request, rate_limits.MESSAGE):
            form.add_error(None, rate_limits.limit_message(rate_limits.MESSAGE, retry_at))
            status = 429
        elif form.is_valid():
            try:
                services.request_md_review(complaint=complaint, reason=form.cleaned_data["reason"])
            except ActionNotAllowed as refusal:
                return _not_now(request, complaint, refusal)
            rate_limits.count(request, rate_limits.MESSAGE)
            messages.success(
                request, gettext("Your complaint has been passed to our Managing Director for review.")
            )
            return redirect("complaints:detail", reference=complaint.reference)
        else:
            status = 400
    page = render(
        request, "escalation/request_md_review.html", {"complaint": complaint, "form": form}, status=status
    )
    return limited(page, retry_at)


def _not_now(request, complaint, refusal: ActionNotAllowed):
    messages.info(request, " ".join(refusal.messages))
    return redirect("complaints:detail", reference=complaint.reference)
