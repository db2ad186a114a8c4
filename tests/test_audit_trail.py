"""The record cannot be changed or deleted through any interface (C4-08): only anonymised by retention."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from complaints.models import Attachment, Complaint, TimelineEntry
from escalation.models import DeadlineNotice, Escalation, StageChange, SubjectAccessExport
from notifications.models import OutboundMessage
from tests.complaints.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

NEVER_DELETED = (Complaint, StageChange, SubjectAccessExport, OutboundMessage)
NOT_IN_THE_ADMIN = (TimelineEntry, Attachment, Escalation, DeadlineNotice)


@pytest.fixture
def superuser_request():
    request = RequestFactory().get("/admin/")
    request.user = StaffUserFactory(is_superuser=True)
    return request


@pytest.mark.parametrize("model", NEVER_DELETED)
def test_not_even_a_superuser_can_delete_the_record(model, superuser_request):
    model_admin = admin.site._registry[model]
    assert not model_admin.has_delete_permission(superuser_request)
    assert "delete_selected" not in model_admin.get_actions(superuser_request)


def test_the_stage_audit_the_export_audit_and_the_outbox_cannot_be_edited(superuser_request):
    for audit in (StageChange, SubjectAccessExport):
        assert not admin.site._registry[audit].has_change_permission(superuser_request)
        assert not admin.site._registry[audit].has_add_permission(superuser_request)
    outbox = admin.site._registry[OutboundMessage]
    editable = {field.name for field in OutboundMessage._meta.fields} - set(
        outbox.get_readonly_fields(superuser_request)
    )
    assert editable <= {"context"}  # and context is excluded from the form


@pytest.mark.parametrize("model", NOT_IN_THE_ADMIN)
def test_timeline_files_and_clocks_have_no_admin_screen_of_their_own(model):
    assert model not in admin.site._registry  # shown read-only on the complaint page, written by services
