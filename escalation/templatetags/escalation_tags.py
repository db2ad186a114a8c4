"""Escalation's panels on pages other apps render (the customer's complaint page)."""

from django import template
from django.conf import settings

from escalation import clocks, satisfaction, selectors
from escalation.forms import SatisfactionForm

register = template.Library()


@register.inclusion_tag("escalation/includes/customer_progress.html")
def customer_progress(complaint):
    """Stage, next deadline and what the customer can do next, for the complaint page."""
    return {
        "complaint": complaint,
        "company": settings.COMPANY,
        "progress": selectors.customer_progress(complaint=complaint),
        "scheme": settings.ADR_SCHEME,
        # An inclusion tag sees only what it returns: without this the page read "within ."
        "rules": clocks.procedure_rules(),
    }


@register.inclusion_tag("escalation/includes/satisfaction_survey.html", takes_context=True)
def satisfaction_survey(context, complaint):
    """The survey's two questions on the complaint page once it is open, the customer's answer after."""
    found = satisfaction.survey_for_customer(complaint=complaint)
    form = None
    if found is not None and found.open:
        form = SatisfactionForm(
            initial={"score": found.survey.score, "comment": found.survey.comment}, auto_id="survey_%s"
        )
    return {"complaint": complaint, "found": found, "form": form, "csrf_token": context.get("csrf_token")}
