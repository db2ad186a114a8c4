from datetime import UTC, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, TimelineEntry
from notifications.models import OutboundMessage
from tests.complaints.factories import (
    ComplaintFactory,
    StaffUserFactory,
    complaint_form_data,
    png_upload,
)

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:complaints_complaint_changelist")
ADD = reverse("admin:complaints_complaint_add")


@pytest.fixture
def agent(client):
    """A support agent with the complaint permissions, logged in."""
    user = StaffUserFactory()
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="complaints",
            codename__in=[
                "view_complaint",
                "change_complaint",
                "add_complaint",
            ],
        )
    )
    client.force_login(user)
    return user


def test_complaint_list_shows_and_searches_complaints(client, agent, django_assert_max_num_queries):
    wanted = ComplaintFactory(customer_name="Priya Shah", email="priya@example.com", postcode="CB1 2AB")
    ComplaintFactory.create_batch(30)

    with django_assert_max_num_queries(9):
        page = client.get(CHANGELIST).content.decode()
    assert wanted.reference in page
    for term in [wanted.reference, "Priya Shah", "priya@example.com", "CB1 2AB"]:
        results = client.get(CHANGELIST, {"q": term}).context["cl"].result_list
        assert list(results) == [wanted], term


def test_agent_logs_a_phone_complaint_with_its_true_first_received_time(client, agent):
    first_received = (timezone.localtime() - timedelta(days=2)).replace(second=0, microsecond=0)
    data = complaint_form_data(
        channel=Complaint.Channel.PHONE,
        first_received_at=first_received.strftime("%Y-%m-%dT%H:%M"),
    )

    response = client.post(ADD, data)

    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert complaint.channel == Complaint.Channel.PHONE
    assert complaint.first_received_at == first_received
    assert complaint.logged_by == agent
    assert OutboundMessage.objects.filter(
        reference=complaint.reference, template_key="complaint_acknowledgement"
    ).exists()


def test_a_first_received_time_in_the_future_is_refused(client, agent):
    future = timezone.localtime() + timedelta(days=1)
    data = complaint_form_data(channel="phone", first_received_at=future.strftime("%Y-%m-%dT%H:%M"))

    response = client.post(ADD, data)

    assert response.status_code == 200
    assert "cannot be in the future" in response.content.decode()
    assert not Complaint.objects.exists()


def test_complaint_page_shows_the_timeline_with_internal_notes_marked_and_files(client, agent):
    complaint = services.file_complaint(
        **complaint_form_data(postcode="CB5 8LA", attachments=[png_upload("fault.png")])
    )
    services.add_internal_note(complaint=complaint, by=agent, body="Checked the line: fine.")

    page = client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk])).content.decode()

    assert "Checked the line: fine." in page
    assert "(staff only)" in page
    assert "fault.png" in page
    attachment = complaint.attachments.get()
    download = client.get(
        reverse("admin:complaints_complaint_attachment", args=[complaint.pk, attachment.pk])
    )
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")


def test_agent_adds_a_note_and_a_reply(client, agent):
    complaint = ComplaintFactory()
    url = reverse("admin:complaints_complaint_entry", args=[complaint.pk])

    client.post(url, {"kind": "note", "body": "Waiting for Openreach."})
    client.post(url, {"kind": "reply", "body": "An engineer visits on Tuesday."})

    kinds = list(complaint.timeline.values_list("kind", "body"))
    assert (TimelineEntry.Kind.INTERNAL_NOTE, "Waiting for Openreach.") in kinds
    assert (TimelineEntry.Kind.STAFF_REPLY, "An engineer visits on Tuesday.") in kinds
    assert (
        OutboundMessage.objects.filter(template_key="staff_reply", reference=complaint.reference).count() == 1
    )


def test_staff_without_change_permission_cannot_add_entries(client):
    viewer = StaffUserFactory()
    viewer.user_permissions.set(Permission.objects.filter(codename="view_complaint"))
    client.force_login(viewer)
    complaint = ComplaintFactory()

    response = client.post(
        reverse("admin:complaints_complaint_entry", args=[complaint.pk]),
        {"kind": "note", "body": "x"},
    )

    assert response.status_code == 403
    assert not complaint.timeline.exists()


def test_support_need_details_need_their_own_permission(client, agent):
    complaint = services.file_complaint(
        **complaint_form_data(
            postcode="CB5 8LA", support_needs="Hearing loss; text relay", needs_consent=True
        )
    )
    change = reverse("admin:complaints_complaint_change", args=[complaint.pk])

    assert "Hearing loss" not in client.get(change).content.decode()
    agent.user_permissions.add(Permission.objects.get(codename="view_support_needs_details"))
    assert "Hearing loss" in client.get(change).content.decode()


def test_complaints_cannot_be_deleted_in_the_admin(client, agent):
    complaint = ComplaintFactory()
    response = client.post(reverse("admin:complaints_complaint_delete", args=[complaint.pk]), {"post": "yes"})
    assert response.status_code in (302, 403)
    assert Complaint.objects.filter(pk=complaint.pk).exists()


def test_agent_corrects_contact_details_and_the_postcode_is_normalised(client, agent):
    complaint = ComplaintFactory(postcode="CB5 8LA")
    change = reverse("admin:complaints_complaint_change", args=[complaint.pk])
    data = {
        "category": complaint.category,
        "customer_name": "Priya Shah",
        "customer_type": complaint.customer_type,
        "email": "new@example.com",
        "phone": complaint.phone,
        "postal_address": complaint.postal_address,
        "postcode": "cb12ab",
        "account_number": "",
        "reply_preference": complaint.reply_preference,
    }

    bad = client.post(change, {**data, "postcode": "nowhere"})
    response = client.post(change, data)

    assert "Enter a UK postcode, like CB5 8LA." in bad.content.decode()
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.postcode, complaint.email, complaint.customer_name) == (
        "CB1 2AB",
        "new@example.com",
        "Priya Shah",
    )


@pytest.mark.parametrize(
    ("typed", "utc"),
    [
        ("2026-10-25T00:59", "2026-10-24 23:59"),
        ("2026-10-25T01:30", "2026-10-25 00:30"),  # the hour that happens twice: the first (BST) one
        ("2026-10-25T02:00", "2026-10-25 02:00"),
        ("25/10/2026 01:30", "2026-10-25 00:30"),  # typed day first, as the field also accepts
    ],
)
def test_a_complaint_first_received_on_the_night_the_clocks_go_back_is_logged(client, agent, typed, utc):
    response = client.post(ADD, complaint_form_data(channel="phone", first_received_at=typed))
    assert response.status_code == 302
    assert f"{Complaint.objects.get().first_received_at.astimezone(UTC):%Y-%m-%d %H:%M}" == utc


@pytest.mark.parametrize("typed", ["2026-03-29T01:30", "29/03/2026 01:30"])
def test_the_hour_that_never_happens_when_the_clocks_go_forward_gets_a_clear_error(client, agent, typed):
    response = client.post(ADD, complaint_form_data(channel="phone", first_received_at=typed))
    assert response.status_code == 200
    assert "01:30 on 29 March 2026 never happened in the UK" in response.content.decode()
    assert not Complaint.objects.exists()


def test_a_first_received_time_before_the_retention_period_is_a_typing_slip(client, agent):
    response = client.post(ADD, complaint_form_data(channel="phone", first_received_at="0001-01-01T00:00"))
    assert response.status_code == 200
    assert "cannot be before" in response.content.decode()
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("typed", ["{ref}", "{compact}", "{lower}", "{spaced}"])
def test_the_admin_finds_a_reference_typed_as_customers_type_it(client, agent, typed):
    wanted = ComplaintFactory()
    ComplaintFactory.create_batch(3)
    body = wanted.reference.removeprefix("NS-")
    term = typed.format(
        ref=wanted.reference,
        compact=wanted.reference.replace("-", ""),
        lower=wanted.reference.replace("-", "").lower(),
        spaced=body.replace("-", " ").lower(),
    )
    assert list(client.get(CHANGELIST, {"q": term}).context["cl"].result_list) == [wanted]
