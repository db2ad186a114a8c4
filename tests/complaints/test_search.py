"""Finding a complaint (issue 14, part 1): staff type part of a name, an e-mail address, a postcode, an
account number, a reference, or words the customer or staff wrote, and the list shows every complaint
that matches all the words.

On PostgreSQL it is full-text and trigram search over indexes (accents ignored); on SQLite, the
embedded default, it falls back to Django's case-insensitive contains over the contact fields.
"""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from complaints import search, services
from complaints.models import Complaint, TimelineEntry
from escalation.roles import SUPPORT_AGENTS
from tests.complaints.factories import ComplaintFactory
from tests.escalation.factories import staff_member

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="full-text and trigram search is PostgreSQL's; SQLite falls back to contains (tested below)",
)


def found(text: str) -> set[str]:
    return set(
        search.search_complaints(Complaint.objects.all(), text).values_list("customer_name", flat=True)
    )


@pytest.fixture
def complaints():
    ComplaintFactory(
        customer_name="Anna Wójcik",
        email="anna.w@example.net",
        postcode="CB4 1JT",
        account_number="AC-778812",
        description="The router keeps overheating and the line drops every evening.",
    )
    ComplaintFactory(
        customer_name="Łukasz Nowak",
        email="lukasz@example.org",
        postcode="NR2 1TF",
        account_number="AC-100200",
        description="I was charged twice for the same month.",
    )
    ComplaintFactory(
        customer_name="Gwenllian Ŵyn",
        email="gwen@example.com",
        postcode="SA1 3SN",
        account_number="",
        description="The engineer never came.",
    )
    ComplaintFactory(
        customer_name="Sam Patel",
        email="sam@example.com",
        postcode="CB5 8LA",
        account_number="",
        description="Nothing about routers here: a billing question.",
    )


@on_postgresql
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("wojcik", {"Anna Wójcik"}),  # accents ignored, both ways
        ("Wójcik", {"Anna Wójcik"}),
        ("ojci", {"Anna Wójcik"}),  # part of a name
        ("lukasz", {"Łukasz Nowak"}),
        ("wyn", {"Gwenllian Ŵyn"}),
        ("cb4 1j", {"Anna Wójcik"}),  # part of a postcode, with or without its space
        ("CB41J", {"Anna Wójcik"}),
        ("nr2", {"Łukasz Nowak"}),
        ("anna.w@", {"Anna Wójcik"}),  # part of an e-mail address
        ("example.org", {"Łukasz Nowak"}),
        ("778812", {"Anna Wójcik"}),  # part of an account number
        ("overheating", {"Anna Wójcik"}),  # words of the description
        ("overheat", {"Anna Wójcik"}),  # the start of a word
        ("router", {"Anna Wójcik", "Sam Patel"}),
        ("router evening", {"Anna Wójcik"}),  # every word must match…
        ("wojcik evening", {"Anna Wójcik"}),  # …each in any field
        ("wojcik twice", set()),
    ],
)
def test_finds_by_any_part_of_what_staff_remember(complaints, typed, expected):
    assert found(typed) == expected


@on_postgresql
def test_finds_words_written_on_the_timeline(complaints):
    complaint = Complaint.objects.get(customer_name="Sam Patel")
    services.add_internal_note(complaint=complaint, by=None, body="Customer mentioned a Zyxel modem.")
    services.add_customer_message(complaint=complaint, body="Ffôn wedi torri ers dydd Llun.")
    assert found("zyxel") == {"Sam Patel"}
    assert found("ffon") == {"Sam Patel"}  # accents ignored in the timeline too
    assert TimelineEntry.objects.filter(complaint=complaint).count() >= 2


@on_postgresql
def test_a_reference_in_part_or_as_people_type_it(complaints):
    complaint = Complaint.objects.get(customer_name="Łukasz Nowak")
    body = complaint.reference.removeprefix("NS-")
    assert found(complaint.reference) == {"Łukasz Nowak"}
    assert found(body.replace("-", " ").lower()) == {"Łukasz Nowak"}
    assert found(body[:4]) >= {"Łukasz Nowak"}


@on_postgresql
@pytest.mark.parametrize("typed", ["%", "_", "%%", "'", "zz'qq", "&", "!", ":*", "(", "\\", "o'brien & |"])
def test_characters_that_mean_something_to_sql_or_tsquery_are_just_characters(complaints, typed):
    assert found(typed) == set()


def test_an_empty_search_is_no_filter(complaints):
    assert len(found("   ")) == 4


def test_finds_by_contact_details_on_every_database(complaints):
    """What the SQLite fallback (Django's contains) shares with PostgreSQL's search."""
    assert found("Patel") == {"Sam Patel"}
    assert found("gwen@example.com") == {"Gwenllian Ŵyn"}
    assert found("NR2 1TF") == {"Łukasz Nowak"}


@on_postgresql
def test_the_search_uses_the_indexes_not_a_scan(complaints):
    """Priced out of reading every row, each branch of the search reads its own index: the indexes exist
    and the SQL matches their expressions (a mismatch silently falls back to reading every row)."""
    queryset = search.search_complaints(Complaint.objects.all(), "wojcik overheat cb4")
    with connection.cursor() as cursor:
        for scan in ("seqscan", "indexscan", "indexonlyscan"):
            cursor.execute(f"SET LOCAL enable_{scan} = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert set(search.INDEXES) == {index for index in search.INDEXES if index in plan}, plan


def test_staff_search_from_the_list_in_a_fixed_number_of_queries(
    client, complaints, django_assert_max_num_queries
):
    client.force_login(staff_member(SUPPORT_AGENTS))
    with django_assert_max_num_queries(10):
        page = client.get(reverse("admin:complaints_complaint_changelist"), {"q": "Patel"})
    assert page.status_code == 200
    assert "Sam Patel" in page.content.decode()
    assert "Anna W" not in page.content.decode()


@on_postgresql
def test_staff_search_with_a_filter_and_odd_input_never_fails(client, complaints):
    client.force_login(staff_member(SUPPORT_AGENTS))
    changelist = reverse("admin:complaints_complaint_changelist")
    page = client.get(changelist, {"q": "wojcik", "status__exact": "received"})
    assert "Anna Wójcik" in page.content.decode()
    for typed in ["%", "'; drop table x; --", "a" * 500, "ð" * 30, "\\"]:
        assert client.get(changelist, {"q": typed}).status_code == 200
    assert client.get(changelist, {"q": "a\x00b"}).status_code == 400  # refused before any view


def test_the_migrations_run_on_sqlite_too(tmp_path):
    """The embedded default: the PostgreSQL extensions and indexes are skipped there, not failed on."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        "CELERY_BROKER_URL": "memory://",
        "REDIS_URL": "",
    }

    def manage(*arguments):
        return subprocess.run(
            [sys.executable, "manage.py", *arguments],
            cwd=settings.BASE_DIR,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
        )

    migrated = manage("migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    assert "[X] 0015_search" in manage("showmigrations", "complaints").stdout


def test_a_search_matching_more_than_the_list_can_show_shows_the_newest_and_says_so(
    client, complaints, monkeypatch
):
    monkeypatch.setattr(search, "RESULTS_AT_MOST", 2)
    client.force_login(staff_member(SUPPORT_AGENTS))
    changelist = reverse("admin:complaints_complaint_changelist")
    page = client.get(changelist, {"q": "example"}).content.decode()  # every e-mail address
    assert "More than 2 complaints match" in page
    assert page.count('class="action-select"') == 2
    newest = Complaint.objects.order_by("-first_received_at", "-pk")[:2]
    for complaint in newest:
        assert complaint.reference in page
    narrowed = client.get(changelist, {"q": "example patel"}).content.decode()
    assert "More than" not in narrowed
    assert "Sam Patel" in narrowed


@on_postgresql  # the timeline is searched on PostgreSQL only
def test_the_search_is_run_once_for_a_page_of_the_list(client, complaints):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(staff_member(SUPPORT_AGENTS))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("admin:complaints_complaint_changelist"), {"q": "router"})
    searching = [q for q in queries.captured_queries if "complaints_timelineentry" in q["sql"]]
    assert len(searching) == 1, [q["sql"][:200] for q in searching]
