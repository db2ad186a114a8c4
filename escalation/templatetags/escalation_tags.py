"""Escalation's panels on pages other apps render (the customer's complaint page)."""

from django import template
from django.conf import settings

from escalation import clocks, selectors

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
