"""Templates and messages never retype the procedure's rules: "10 working days", "6 weeks", "£10,000",
"12 months" and the rest come from the constants and settings the clocks use (escalation.clocks), so
changing a rule changes every text that states it."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from complaints.models import Complaint
from escalation import clocks, services
from notifications.models import OutboundMessage
from tests.complaints.factories import StaffUserFactory
from tests.escalation.factories import filed_complaint

RETYPED_RULE = re.compile(
    r"\b\d+(\s+or\s+more)?\s+(working\s+days?|WD|weeks?|months?|calendar\s+days?)\b|£\s?\d{1,3}(,\d{3})+|\b\d+\s+days\b",
    re.IGNORECASE,
)
ROOT = Path(settings.BASE_DIR)
TEMPLATES = sorted(
    path for path in (ROOT / "templates").rglob("*") if path.suffix in {".html", ".txt"} and path.is_file()
)
APP_MODULES = sorted(
    path
    for app in ("complaints", "escalation", "notifications")
    for path in (ROOT / app).rglob("*.py")
    if "migrations" not in path.parts
)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_template_retypes_a_rule(path):
    found = [match.group(0) for match in RETYPED_RULE.finditer(path.read_text())]
    assert not found, f"{path.relative_to(ROOT)} states {found}: use {{{{ rules.… }}}} (escalation.clocks)"


def _strings_shown(tree: ast.AST):
    """String constants in code, but not docstrings (which explain, to developers)."""
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node


@pytest.mark.parametrize("path", APP_MODULES, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_label_or_message_in_code_retypes_a_rule(path):
    tree = ast.parse(path.read_text())
    found = [
        (node.lineno, match.group(0))
        for node in _strings_shown(tree)
        for match in RETYPED_RULE.finditer(node.value)
    ]
    assert not found, f"{path.relative_to(ROOT)} states {found}: build it from escalation.clocks"


def test_the_rules_read_as_the_constants_say(settings):
    rules = clocks.procedure_rules()
    assert rules["stage_two_response"] == "10 working days"
    assert rules["adr_period"] == "6 weeks"
    assert rules["award_limit"] == "£10,000"
    assert rules["adr_window"] == "12 months"
    settings.ADR_PERIOD_DAYS = 35  # were Ofcom to shorten it again, every text would follow
    assert clocks.procedure_rules()["adr_period"] == "5 weeks"
    page = render_to_string("complaints/complaints_code.html", {"rules": clocks.procedure_rules()})
    assert "5 weeks" in page


@pytest.mark.django_db
def test_the_messages_say_the_rules_they_are_given(client):
    complaint = filed_complaint(days_ago=5)
    acknowledgement = OutboundMessage.objects.get(template_key="complaint_acknowledgement")
    assert "within 3 working days" in acknowledgement.body_text
    assert "in writing within 10 working days" in acknowledgement.body_text
    services.propose_resolution(complaint=complaint, by=StaffUserFactory(), resolution="A credit.")
    services.refer_to_complaints_manager(
        complaint=complaint,
        channel=Complaint.Channel.PORTAL,
        reply_preference=Complaint.ReplyPreference.EMAIL,
    )
    referral = OutboundMessage.objects.get(template_key="referral_received")
    assert "(10 working days)" in referral.body_text
    page = client.get(reverse("complaints_code")).content.decode()
    assert "<strong>6 weeks</strong>" in page
    assert "8 weeks for complaints first made before 8 April 2026" in page
