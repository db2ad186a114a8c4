"""Every read of the API in a fixed number of queries, however much there is to read: measured with
a little data and with more, and the number written down, so a change that adds one is seen."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints import services as complaint_services
from escalation import ombudsman
from escalation.roles import COMPLAINTS_MANAGERS
from integrations.models import Scope
from tests.escalation.factories import filed_complaint, root_cause, staff_member
from tests.integrations.factories import api_key, bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(client):
    credentials = bearer(api_key(*Scope.values))
    client.get(reverse("api:complaints"), **credentials)  # the key's last use written: once a minute
    return credentials


def queries(client, credentials, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **credentials)
    count = len(captured.captured_queries)  # read now: the next request clears the log
    assert response.status_code == 200, response.content
    return count


def grow(complaint, entries: int) -> None:
    """More of everything a complaint's pages read: entries by several authors."""
    for number in range(entries):
        author = staff_member(COMPLAINTS_MANAGERS, username=f"agent{complaint.pk}-{number}")
        complaint_services.add_internal_note(complaint=complaint, by=author, body=f"Note {number}.")
        complaint_services.add_customer_message(complaint=complaint, body=f"Message {number}.")


# The key (1), then the endpoint's own reads.
EXPECTED = {
    "api:complaints": 2,  # the page, with clocks and owner joined
    "api:complaint": 2,
    "api:timeline": 3,  # the complaint, the page of entries with their authors
    "api:timeline_entry": 3,  # the complaint, the entry with its author
    "api:clocks": 2,
    "api:actions": 2,  # the complaint with its clocks (a stage-4 complaint: +1, its ombudsman case)
    "api:root_causes": 2,
    "api:monthly_report": 2,  # the stored rows (when they were computed is one of them)
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_read_takes_the_same_queries_with_more_to_read(client, reader, name):
    complaint = filed_complaint()
    args = (
        [complaint.reference]
        if name not in ("api:complaints", "api:root_causes", "api:monthly_report")
        else []
    )
    if name == "api:timeline_entry":
        args.append(complaint.timeline.earliest("pk").pk)
    url = reverse(name, args=args)
    root_cause(name="Cause 1")
    few = queries(client, reader, url)

    grow(complaint, 6)
    for number in range(6):
        filed_complaint()
        root_cause(name=f"Cause {number + 2}")
    more = queries(client, reader, url)

    assert few == more == EXPECTED[name]


def test_the_actions_of_a_complaint_at_the_ombudsman_take_one_more(client, reader):
    complaint = filed_complaint(days_ago=60)
    ombudsman.record_ombudsman_referral(
        complaint=complaint, by=None, scheme_reference="CO-9", referred_on=complaint.first_received_at.date()
    )
    assert (
        queries(client, reader, reverse("api:actions", args=[complaint.reference]))
        == EXPECTED["api:actions"] + 1
    )
