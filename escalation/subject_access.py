"""Subject-access export (UK GDPR art. 15, DP-02): everything held about one customer, as a zip.

The zip holds `data.json` (complaints, timelines with internal notes, which are disclosable,
stages, clocks, ombudsman cases, messages sent), `summary.pdf` (the same, readable), and the
files the customer and staff attached. Support-need details are included only for staff with
the permission to see them.
"""

import io
import json
import zipfile
from datetime import date, datetime

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from xhtml2pdf import pisa

from complaints.models import Complaint
from escalation.models import Escalation, OmbudsmanCase, StageChange
from notifications.selectors import messages_about

SUPPORT_NEEDS_PERMISSION = "complaints.view_support_needs_details"


def customers_complaints(complaint: Complaint):
    """Every complaint of the customer who made `complaint`: same e-mail, or same name and postcode."""
    if complaint.email:
        same_customer = Q(email__iexact=complaint.email)
    else:
        same_customer = Q(customer_name__iexact=complaint.customer_name, postcode=complaint.postcode)
    return (
        Complaint.objects.filter(same_customer)
        .order_by("first_received_at")
        .prefetch_related("timeline__author", "timeline__attachments", "attachments")
    )


def export_customer_data(*, complaint: Complaint, user) -> tuple[str, bytes]:
    """The zip's file name and bytes for the customer of `complaint`."""
    complaints = list(customers_complaints(complaint))
    with_needs = user.has_perm(SUPPORT_NEEDS_PERMISSION)
    records = [_record(each, with_needs=with_needs) for each in complaints]
    data = {
        "exported_at": timezone.now().isoformat(),
        "exported_by": user.get_username(),
        "customer": {
            "name": complaint.customer_name,
            "email": complaint.email,
            "postcode": complaint.postcode,
        },
        "complaints": records,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, indent=2, default=_json_value, ensure_ascii=False))
        archive.writestr("summary.pdf", _summary_pdf(data))
        for each in complaints:
            for attachment in each.attachments.all():
                with attachment.file.open("rb") as stored:
                    archive.writestr(
                        f"attachments/{each.reference}/{attachment.pk}-{attachment.original_name}",
                        stored.read(),
                    )
    return f"subject-access-{complaint.reference}-{timezone.localdate():%Y-%m-%d}.zip", buffer.getvalue()


def _record(complaint: Complaint, *, with_needs: bool) -> dict:
    escalation = Escalation.objects.filter(pk=complaint.pk).first()
    case = OmbudsmanCase.objects.filter(pk=complaint.pk).first()
    needs = getattr(complaint, "support_needs", None) if complaint.has_support_needs else None
    return {
        "reference": complaint.reference,
        "status": complaint.get_status_display(),
        "category": complaint.get_category_display(),
        "channel": complaint.get_channel_display(),
        "first_received_at": complaint.first_received_at,
        "contact": {
            "name": complaint.customer_name,
            "email": complaint.email,
            "phone": complaint.phone,
            "postal_address": complaint.postal_address,
            "postcode": complaint.postcode,
            "account_number": complaint.account_number,
            "reply_preference": complaint.get_reply_preference_display(),
            "customer_type": complaint.get_customer_type_display(),
            "representative": {
                "name": complaint.representative_name,
                "relationship": complaint.representative_relationship,
                "authority": complaint.get_representative_authority_display(),
            }
            if complaint.representative_name
            else None,
        },
        "description": complaint.description,
        "support_needs": (
            needs.details if needs and with_needs else ("recorded" if complaint.has_support_needs else "none")
        ),
        "timeline": [
            {
                "at": entry.created_at,
                "kind": entry.get_kind_display(),
                "by": entry.author.get_username() if entry.author else "",
                "text": entry.body,
                "files": [attachment.original_name for attachment in entry.attachments.all()],
            }
            for entry in complaint.timeline.all()
        ],
        "stage": escalation.get_stage_display() if escalation else "",
        "stage_changes": [
            {
                "at": change.changed_at,
                "from": change.get_from_stage_display(),
                "to": change.get_to_stage_display(),
                "why": change.reason,
            }
            for change in StageChange.objects.filter(complaint=complaint)
        ],
        "clocks": {
            field: getattr(escalation, field)
            for field in (
                "acknowledgement_due",
                "acknowledged_at",
                "stage_one_due",
                "stage_two_response_due",
                "stage_two_response_sent_at",
                "adr_eligible_on",
                "deadlocked_at",
                "adr_letter_sent_at",
                "adr_letter_channel",
                "adr_window_ends",
            )
        }
        if escalation
        else {},
        "ombudsman_case": {
            "scheme_reference": case.scheme_reference,
            "referred_on": case.referred_on,
            "decision_on": case.decision_on,
            "customer_response": case.get_customer_response_display(),
            "award_amount": case.award_amount,
        }
        if case
        else None,
        "messages_sent": [
            {
                "at": message.created_at,
                "channel": message.get_channel_display(),
                "status": message.get_status_display(),
                "subject": message.subject,
                "text": message.body_text,
            }
            for message in messages_about(complaint.reference)
        ],
    }


def _json_value(value):
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _summary_pdf(data: dict) -> bytes:
    html = render_to_string("escalation/subject_access_summary.html", {"data": data})
    output = io.BytesIO()
    pisa.CreatePDF(html, dest=output, encoding="utf-8")
    return output.getvalue()
