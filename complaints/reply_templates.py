"""Replies from templates: a template filled in for one complaint, in its language, and its use counted."""

from django.db.models import F
from django.utils import translation

from complaints.models import Complaint, ReplyTemplate
from complaints.placeholders import fill_in


def fill(template: ReplyTemplate, complaint: Complaint) -> str:
    """The template's text for this complaint, in the complaint's language when it has that version."""
    welsh = complaint.language == "cy" and template.body_cy.strip()
    with translation.override(complaint.language):
        return fill_in(template.body_cy if welsh else template.body, complaint)


def count_use(template: ReplyTemplate) -> None:
    ReplyTemplate.objects.filter(pk=template.pk).update(times_used=F("times_used") + 1)
