"""Subject-access export (UK GDPR art. 15, DP-02): everything held about one customer, as a zip.

Staff choose which complaints are the requester's: the candidates are listed with why each matched
(the same e-mail address; the same name and postcode only as a suggestion, never pre-selected,
since anyone can file with someone else's name and postcode), and the export records how the
requester's identity was checked, who exported what, and when (`SubjectAccessExport`, and an entry
on each complaint's timeline).

The zip holds `data.json` (complaints, timelines with internal notes, which are disclosable,
stages, clocks, ombudsman cases, messages sent), `summary.pdf` (the same, readable), and the
files the customer and staff attached. Support-need details are included only for staff with
the permission to see them.
"""

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from xhtml2pdf import pisa

from complaints import services as complaint_services
from complaints.models import Complaint, SupportNeeds, TimelineEntry
from escalation.models import SubjectAccessExport
from notifications.selectors import messages_about_each

SUPPORT_NEEDS_PERMISSION = "complaints.view_support_needs_details"


@dataclass(frozen=True)
class Candidate:
    complaint: Complaint
    why: str
    preselected: bool


def candidate_complaints(complaint: Complaint) -> list[Candidate]:
    """The complaints that may be the requester's, each with why it matched; oldest first.

    Only the complaint asked about is pre-selected: anyone can file with someone else's e-mail
    address, or name and postcode, so staff tick the others once they have checked them (the same
    e-mail address is a strong sign; the same name and postcode only a suggestion). Anonymised
    complaints hold nothing left to export.
    """
    matches = Q(pk=complaint.pk)
    if complaint.email:
        matches |= Q(email__iexact=complaint.email)
    matches |= Q(customer_name__iexact=complaint.customer_name, postcode=complaint.postcode)
    candidates = []
    for each in Complaint.objects.filter(matches, anonymised_at__isnull=True).order_by(
        "first_received_at", "pk"
    ):
        if each.pk == complaint.pk:
            candidates.append(Candidate(each, "the complaint the request is about", True))
        elif complaint.email and each.email.casefold() == complaint.email.casefold():
            candidates.append(
                Candidate(each, "the same e-mail address: tick it once you have checked", False)
            )
        else:
            candidates.append(
                Candidate(each, "the same name and postcode only: check it is the same person", False)
            )
    return candidates


@transaction.atomic
def export_customer_data(
    *, complaint: Complaint, chosen: list[Complaint], by, verification: str, verification_details: str
) -> tuple[str, bytes]:
    """The zip's file name and bytes for the chosen complaints of the customer of `complaint`, with its audit.

    Only candidates may be chosen; the export, the identity check and who made it are recorded
    first, in the same transaction, and on each complaint's timeline.
    """
    allowed = {candidate.complaint.pk for candidate in candidate_complaints(complaint)}
    if not chosen or any(each.pk not in allowed for each in chosen):
        raise ValidationError("Choose among the complaints listed as the requester's.")
    if verification not in SubjectAccessExport.Verification.values or not verification_details.strip():
        raise ValidationError("Record how the requester's identity was checked.")
    with_needs = by.has_perm(SUPPORT_NEEDS_PERMISSION)
    complaints = list(
        Complaint.objects.filter(pk__in=[each.pk for each in chosen])
        .order_by("first_received_at", "pk")
        .select_related("escalation", "ombudsman_case", "support_needs", "merged_into", "satisfaction_survey")
        .prefetch_related(
            "timeline__author",
            "timeline__attachments",
            "attachments",
            "stage_changes",
            "related_complaints",
            "redress",
            "service_failures",
        )
    )
    audit = SubjectAccessExport.objects.create(
        requested_via=complaint,
        references=[each.reference for each in complaints],
        verification=verification,
        verification_details=verification_details.strip(),
        with_support_needs=with_needs,
        exported_by=by,
    )
    complaint_services.record_events(
        kind=TimelineEntry.Kind.RECORD_CHANGED,
        bodies={
            each.pk: (
                f"Included in a subject-access export asked about {complaint.reference} "
                f"({len(complaints)} complaint(s)); identity checked: {audit.get_verification_display().lower()}."
            )
            for each in complaints
        },
        by=by,
    )
    messages = messages_about_each([each.reference for each in complaints])
    records = [
        _record(each, messages=messages.get(each.reference, []), with_needs=with_needs) for each in complaints
    ]
    data = {
        "exported_at": timezone.now().isoformat(),
        "exported_by": by.get_username(),
        "identity_checked": f"{audit.get_verification_display()}: {audit.verification_details}",
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


def _related(complaint: Complaint, name: str):
    """A one-to-one row fetched with the complaint, or None if it has none."""
    return getattr(complaint, name) if hasattr(complaint, name) else None


def _needs_record(complaint: Complaint, needs: SupportNeeds) -> dict:
    return {
        "needs": [SupportNeeds.Need(need).label for need in needs.needs],
        "anything_else": needs.details,
        "consent_given_on": needs.consent_given_on,
        "review_due_on": needs.review_due_on,
        "relies_on_landline_for_safety": complaint.relies_on_landline_for_safety,
    }


def _record(complaint: Complaint, *, messages: list, with_needs: bool) -> dict:
    escalation = _related(complaint, "escalation")
    case = _related(complaint, "ombudsman_case")
    needs = _related(complaint, "support_needs") if complaint.has_support_needs else None
    return {
        "reference": complaint.reference,
        "status": complaint.get_status_display(),
        "category": complaint.get_category_display(),
        "channel": complaint.get_channel_display(),
        "first_received_at": complaint.first_received_at,
        # A merged complaint's history is its primary's (export that one too); links are references only.
        "merged_into": complaint.merged_into.reference if complaint.merged_into else None,
        "related_complaints": [other.reference for other in complaint.related_complaints.all()],
        "contact": {
            "name": complaint.customer_name,
            "email": complaint.email,
            "phone": complaint.phone,
            "postal_address": complaint.postal_address,
            "postcode": complaint.postcode,
            "account_number": complaint.account_number,
            "reply_preference": complaint.get_reply_preference_display(),
            "no_satisfaction_surveys": complaint.no_surveys,
            "what_helps": [str(Complaint.Adjustment(item).label) for item in complaint.adjustments],
            "when_we_may_call": complaint.call_times,
            "customer_type": complaint.get_customer_type_display(),
            "representative": {
                "name": complaint.representative_name,
                "relationship": complaint.representative_relationship,
                "authority": complaint.get_representative_authority_display(),
                "email": complaint.representative_email,
            }
            if complaint.representative_name
            else None,
        },
        "description": complaint.description,
        "support_needs": _needs_record(complaint, needs)
        if needs and with_needs
        else ("recorded" if complaint.has_support_needs else "none"),
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
            for change in complaint.stage_changes.all()
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
        "satisfaction_survey": _survey_record(_related(complaint, "satisfaction_survey")),
        "outcome": escalation.get_outcome_display() if escalation and escalation.outcome else "",
        "redress": [
            {"kind": each.get_kind_display(), "amount": each.amount, "given_on": each.given_on}
            for each in complaint.redress.all()
        ],
        "service_failures": [
            {
                "kind": failure.get_kind_display(),
                "fault_reported_at": failure.fault_reported_at,
                "fault_fixed_at": failure.fault_fixed_at,
                "appointment_on": failure.appointment_on,
                "promised_start_on": failure.promised_start_on,
                "service_started_on": failure.service_started_on,
                "compensation_owed": failure.compensation_owed,
            }
            for failure in complaint.service_failures.all()
        ],
        "messages_sent": [
            {
                "at": message.created_at,
                "channel": message.get_channel_display(),
                "status": message.get_status_display(),
                "subject": message.subject,
                "text": message.body_text,
            }
            for message in messages
        ],
    }


def _survey_record(survey) -> dict | None:
    if survey is None:
        return None
    return {
        "asked_at": survey.invited_at,
        "by_email": survey.emailed,
        "score": survey.score,
        "comment": survey.comment,
        "answered_at": survey.answered_at,
        "follow_up": survey.get_follow_up_display(),
        "followed_up_at": survey.followed_up_at,
        "follow_up_note": survey.follow_up_note,
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
