"""Finding a complaint (issue 14, part 1): staff type part of a name, an e-mail address, a postcode, an
account number, a reference, or words the customer or staff wrote, and the list shows every complaint
that matches all the words.

On PostgreSQL it is full-text and trigram search over indexes (accents ignored); on SQLite, the
embedded default, it falls back to Django's case-insensitive contains over the contact fields.
"""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

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
@pytest.mark.parametrize(
    "typed",
    [
        "jo.bloggs@neighbour.example",
        "JO.BLOGGS@NEIGHBOUR.EXAMPLE",
        "jo.bloggs@neighbour.ex",
        "status.example.net",
    ],
)
def test_finds_an_e_mail_or_web_address_written_in_a_description_or_on_the_timeline(complaints, typed):
    """Written in text, an address is one word to PostgreSQL ('jo.bloggs@neighbour.example'); the
    search split what was typed at its dots and @ and asked for a word starting with each part, which
    no word did, and reading every word starting with "example" or "com" took 27 ms at a million."""
    patel = Complaint.objects.get(customer_name="Sam Patel")
    services.add_internal_note(
        complaint=patel, by=None, body="Her neighbour jo.bloggs@neighbour.example has the same fault."
    )
    Complaint.objects.filter(customer_name="Anna Wójcik").update(
        description="The outage page status.example.net says all is well."
    )
    expected = {"Anna Wójcik"} if typed.startswith("status") else {"Sam Patel"}
    assert found(typed) == expected


@on_postgresql
@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("fibre-optic", "fibre optic"),
        ("fibre optic", "fibre-optic"),
        ("covid-19", "covid 19"),  # "-19" is a signed number to the parser
        ("covid-19", "covid-19"),
        ("j.bloggs", "J. Bloggs"),  # one host-like word to the parser, two words in the text
        ("router/modem", "router and modem"),  # a file path to the parser
        ("1.5", "1.5"),
    ],
)
def test_a_word_typed_with_punctuation_finds_its_parts_written_apart(complaints, typed, written):
    Complaint.objects.filter(customer_name="Sam Patel").update(description=f"The {written} cable was cut.")
    assert found(typed) == {"Sam Patel"}


@on_postgresql
@pytest.mark.parametrize("empty", [Complaint.objects.none, lambda: Complaint.objects.filter(pk__in=[])])
def test_searching_a_list_that_cannot_hold_anything_finds_nothing(complaints, empty):
    shown, matched, more = search.search_for_list(empty(), "router")
    assert (list(shown), matched, more) == ([], 0, False)


@on_postgresql
def test_an_error_inside_the_search_leaves_a_caller_s_transaction_usable(complaints, monkeypatch):
    """The search's reads share a transaction: inside a caller's, a savepoint, so that an exception
    raised in the search (not by the database) does not doom the caller's work."""

    def broken(*args, **kwargs):
        raise ValueError("broken")

    monkeypatch.setattr(search, "_facts", broken)
    with transaction.atomic():
        with pytest.raises(ValueError, match="broken"):
            search.search_for_list(Complaint.objects.all(), "router")
        assert Complaint.objects.count() == 4  # the transaction still works


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
def test_the_search_is_run_once_for_a_page_of_the_list(client, complaints, monkeypatch):
    """Its steps (search_for_list) each read older complaints than the last; the page's count and
    rows then filter by the ids found, never searching again."""
    monkeypatch.setattr(search, "FIRST_WALK", 2)  # so that the second step runs
    client.force_login(staff_member(SUPPORT_AGENTS))
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("admin:complaints_complaint_changelist"), {"q": "router"})
    assert "Anna Wójcik" in page.content.decode()
    assert "Sam Patel" in page.content.decode()
    searching = [q["sql"] for q in queries.captured_queries if "complaints_timelineentry" in q["sql"]]
    # The newest complaints walked (with how often the words are on timelines), then the rest.
    assert len(searching) == 2, [sql[:200] for sql in searching]
    assert "ORDER BY" in queries.captured_queries[-1]["sql"]  # the rows: by the ids, not by searching
    assert "complaints_timelineentry" not in queries.captured_queries[-1]["sql"]


@pytest.fixture
def many_received_over_time():
    """120 complaints, one an hour, some received at the very same minute: every third mentions a
    router in its description, every twentieth is Wójcik's, one is Zed's; the timeline mentions a fibre."""
    began = timezone.now() - timedelta(days=10)
    made = []
    for number in range(120):
        made.append(
            ComplaintFactory(
                customer_name="Anna Wójcik"
                if number % 20 == 7
                else ("Zed Quinn" if number == 50 else "Sam Patel"),
                description="The router failed." if number % 3 == 0 else "A billing question.",
                # Pairs received at the same minute, so that a window's edge can fall between them.
                first_received_at=began + timedelta(hours=number - number % 2),
            )
        )
    services.add_internal_note(complaint=made[3], by=None, body="Fibre cabinet fault.")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the statistics the search's choice reads (as autovacuum would)
            cursor.execute("ANALYZE complaints_complaint")
    return made


def ways_read(queries) -> tuple[int, int]:
    """How many walks of the newest complaints, and how many reads through the indexes, a search sent."""
    sql = [query["sql"] for query in queries.captured_queries]
    return sum("search_matched" in q for q in sql), sum("enable_indexscan = off" in q for q in sql)


def newest_matching(text: str, queryset=None) -> list[int]:
    queryset = Complaint.objects.all() if queryset is None else queryset
    matches = search.search_complaints(queryset, text).order_by("-first_received_at", "-pk")
    return list(matches.values_list("pk", flat=True)[: search.RESULTS_AT_MOST + 1])


@on_postgresql
@pytest.mark.parametrize("results_at_most", [5, 30])
@pytest.mark.parametrize("first_walk", [4, 5, 11, 200])  # odd: the walk ends inside a tied pair
@pytest.mark.parametrize("walk_cost_ratio", [0, 10**9])  # the rest read through the indexes / walked
@pytest.mark.parametrize("typed", ["router", "wojcik", "zed", "fibre", "patel router", "nobody", "example"])
def test_the_list_shows_exactly_the_newest_matches_whichever_way_they_are_read(
    many_received_over_time, monkeypatch, typed, first_walk, walk_cost_ratio, results_at_most
):
    """The list reads the newest matches in two steps (the newest complaints one by one, then the
    older ones walked on or read through the indexes, as the first step's share of matches says):
    every way through the steps gives what one plain query gives."""
    monkeypatch.setattr(search, "RESULTS_AT_MOST", results_at_most)
    monkeypatch.setattr(search, "FIRST_WALK", first_walk)
    monkeypatch.setattr(search, "WALK_COST_RATIO", walk_cost_ratio)
    expected = newest_matching(typed)
    with CaptureQueriesContext(connection) as queries:
        shown, matched, more = search.search_for_list(Complaint.objects.all(), typed)
    assert sorted(shown.values_list("pk", flat=True)) == sorted(expected[:results_at_most])
    assert matched == len(expected[:results_at_most])
    assert more is (len(expected) > results_at_most)
    # And the way it read them is the one meant.
    newest = set(Complaint.objects.order_by(*search.NEWEST_FIRST).values_list("pk", flat=True)[:first_walk])
    first_found = len(newest.intersection(expected))
    walks, through_the_indexes = ways_read(queries)
    if first_found > results_at_most or len(many_received_over_time) <= first_walk:
        assert (walks, through_the_indexes) == (1, 0)
    elif first_found == 0 or walk_cost_ratio == 0:
        assert (walks, through_the_indexes) == (1, 1)
    else:  # walked on, and through the indexes only if that fell short
        assert walks == 2
        assert through_the_indexes <= 1


@on_postgresql
def test_a_word_common_only_lately_is_read_through_the_indexes_after_one_walk_on(
    many_received_over_time, monkeypatch
):
    """The newest complaints' share overstates it for older ones (last week's outage): one walk on,
    then the indexes, never walk after walk."""
    for complaint in many_received_over_time[-10:]:
        Complaint.objects.filter(pk=complaint.pk).update(description="The storm took the line down.")
    monkeypatch.setattr(search, "RESULTS_AT_MOST", 11)
    monkeypatch.setattr(search, "FIRST_WALK", 10)
    monkeypatch.setattr(search, "WALK_COST_RATIO", 10**9)
    with CaptureQueriesContext(connection) as queries:
        shown, matched, more = search.search_for_list(Complaint.objects.all(), "storm")
    assert (matched, more) == (10, False)
    assert set(shown) == set(Complaint.objects.filter(description__contains="storm"))
    assert ways_read(queries) == (2, 1)


@on_postgresql
@pytest.mark.parametrize("typed", ["fibre", "router fibre", "wojcik fibre", "nobody"])
def test_a_word_common_on_timelines_is_looked_up_in_a_hashed_set_with_the_same_result(
    many_received_over_time, monkeypatch, typed
):
    monkeypatch.setattr(search, "TIMELINE_ARRAY_AT_MOST", 0)  # every word on a timeline is "common"
    monkeypatch.setattr(search, "FIRST_WALK", 4)
    monkeypatch.setattr(search, "WALK_COST_RATIO", 0)  # the rest through the indexes
    with CaptureQueriesContext(connection) as queries:
        shown, _, _ = search.search_for_list(Complaint.objects.all(), typed)
    assert sorted(shown.values_list("pk", flat=True)) == sorted(
        newest_matching(typed)[: search.RESULTS_AT_MOST]
    )
    through_the_indexes = [q["sql"] for q in queries.captured_queries if "enable_indexscan = off" in q["sql"]]
    assert len(through_the_indexes) == 1
    assert ("complaints_complaint.id IN (" in through_the_indexes[0]) is (typed != "nobody")


@on_postgresql
def test_the_newest_matches_within_the_list_s_filters(many_received_over_time, monkeypatch):
    monkeypatch.setattr(search, "RESULTS_AT_MOST", 3)
    monkeypatch.setattr(search, "FIRST_WALK", 5)
    filtered = Complaint.objects.filter(pk__in=[c.pk for c in many_received_over_time[::7]])
    shown, _, _ = search.search_for_list(filtered, "router")
    assert sorted(shown.values_list("pk", flat=True)) == sorted(newest_matching("router", filtered)[:3])


@on_postgresql
@pytest.mark.parametrize("typed", ["router", "fibre", "patel router"])
def test_the_walk_never_waits_for_parallel_workers(many_received_over_time, typed):
    """A walk reads a thousand rows at most, and its words' timeline entries: PostgreSQL's estimate for
    a word's start is often far too high ('jamal':* as 39,000 entries, for none), and it then started
    parallel workers for each timeline lookup: 6 to 10 ms each, 4 of them in a 37 ms walk at a
    million. Here costs are made to favour workers: the walk, as sent, still plans none."""
    with connection.cursor() as cursor:
        for setting in (
            "parallel_setup_cost",
            "parallel_tuple_cost",
            "min_parallel_table_scan_size",
            "min_parallel_index_scan_size",
        ):
            cursor.execute(f"SET LOCAL {setting} = 0")
    with CaptureQueriesContext(connection) as queries:
        search.search_for_list(Complaint.objects.all(), typed)
    walks = [query["sql"] for query in queries.captured_queries if "search_matched" in query["sql"]]
    assert walks
    for walk in walks:
        with connection.cursor() as cursor:  # as sent, with any settings sent with it
            cursor.execute(walk.replace("SELECT ", "EXPLAIN SELECT ", 1))
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "Gather" not in plan, plan


PLANNER_SETTINGS = ("enable_indexscan", "enable_bitmapscan", "max_parallel_workers_per_gather")


def planner_settings(*, defaults: bool = False) -> list[str]:
    """The settings the search changes for its reads: now, or as the session began (`defaults`)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, setting, reset_val FROM pg_settings WHERE name = ANY(%s)", [list(PLANNER_SETTINGS)]
        )
        return sorted((name, reset_val if defaults else now) for name, now, reset_val in cursor.fetchall())


@on_postgresql
def test_the_planner_settings_the_search_uses_end_with_it(many_received_over_time, monkeypatch):
    """The second step may tell PostgreSQL how to read (its estimates for parts of words are often
    wrong several times over); nothing after the search, in the same transaction, reads that way."""
    monkeypatch.setattr(search, "FIRST_WALK", 4)
    for ratio in (0, 10**9):  # each way of reading the rest, inside a transaction (the test's)
        monkeypatch.setattr(search, "WALK_COST_RATIO", ratio)
        search.search_for_list(Complaint.objects.all(), "router")
        assert planner_settings() == planner_settings(defaults=True)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_planner_setting_ends_with_the_search_outside_a_transaction_too(monkeypatch):
    """Outside any transaction, as a page runs, the setting lives in a transaction of its own."""
    made = [ComplaintFactory(customer_name=f"Anna Wójcik {number}") for number in range(6)]
    monkeypatch.setattr(search, "FIRST_WALK", 2)
    monkeypatch.setattr(search, "WALK_COST_RATIO", 0)
    assert not connection.in_atomic_block
    shown, count, more = search.search_for_list(Complaint.objects.all(), "wojcik")
    assert (count, more) == (6, False)
    assert set(shown.values_list("pk", flat=True)) == {complaint.pk for complaint in made}
    assert planner_settings() == planner_settings(defaults=True)


@on_postgresql
def test_queries_are_not_compiled_just_in_time():
    """PostgreSQL compiles a query it prices high (a search's, a report's); compiling took 43 ms of a
    140 ms search at a million complaints, more than it saved. The portal's connections turn it off."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_a_search_past_its_longest_keeps_the_list_paged(client, monkeypatch):
    """Text past LONGEST_SEARCH is cut off before searching; what is left may be nothing to search
    for, and the list then stays the whole list, paged and counted as usual."""
    for _ in range(3):
        ComplaintFactory()
    monkeypatch.setattr("escalation.admin.EscalationComplaintAdmin.list_per_page", 2)
    client.force_login(staff_member(SUPPORT_AGENTS))
    page = client.get(reverse("admin:complaints_complaint_changelist"), {"q": " " * 200 + "x"})
    assert page.status_code == 200
    assert page.content.decode().count('class="action-select"') == 2


@pytest.mark.parametrize(
    ("url_options", "jit_off", "expected"),
    [
        ("", "", "-c jit=off"),
        ("?options=-c%20statement_timeout%3D5000", "", "-c statement_timeout=5000 -c jit=off"),
        ("?options=-c%20statement_timeout%3D5000", "0", "-c statement_timeout=5000"),
    ],
)
def test_jit_is_turned_off_alongside_the_options_the_database_url_gives(url_options, jit_off, expected):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"postgres://someone@db.example:5432/complaints{url_options}",
        "DATABASE_JIT_OFF": jit_off or "1",
    }
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'].get('options', ''))",
        ],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert shown.stdout.strip() == expected


@on_postgresql
@pytest.mark.parametrize("typed", ["O\u02bcbrien", "O'Brien", "\u0149ot"])
def test_letters_that_become_an_apostrophe_without_their_accent_are_only_letters(client, complaints, typed):
    ComplaintFactory(customer_name="Aoife O'Brien")
    client.force_login(staff_member(SUPPORT_AGENTS))
    page = client.get(reverse("admin:complaints_complaint_changelist"), {"q": typed})
    assert page.status_code == 200
    if "brien" in typed.lower():
        assert "Aoife O&#x27;Brien" in page.content.decode()


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_planner_setting_ends_with_the_search_when_autocommit_is_off(monkeypatch):
    for number in range(6):
        ComplaintFactory(customer_name=f"Anna Wójcik {number}")
    monkeypatch.setattr(search, "FIRST_WALK", 2)
    monkeypatch.setattr(search, "WALK_COST_RATIO", 0)
    connection.set_autocommit(False)
    try:
        _, count, _ = search.search_for_list(Complaint.objects.all(), "wojcik")
        assert count == 6
        assert planner_settings() == planner_settings(defaults=True)  # still inside the caller's transaction
    finally:
        connection.rollback()
        connection.set_autocommit(True)


def test_the_list_offers_no_counts_per_filter(client, complaints, django_assert_max_num_queries):
    """Each filter's counts would search again per filter (73 queries for a searched page)."""
    client.force_login(staff_member(SUPPORT_AGENTS))
    with django_assert_max_num_queries(10):
        page = client.get(reverse("admin:complaints_complaint_changelist"), {"q": "Patel", "_facets": "1"})
    assert page.status_code == 200
    assert "Sam Patel" in page.content.decode()


@on_postgresql
def test_a_walk_on_longer_than_its_limit_is_left_to_the_indexes(many_received_over_time, monkeypatch):
    monkeypatch.setattr(search, "RESULTS_AT_MOST", 30)
    monkeypatch.setattr(search, "FIRST_WALK", 10)
    monkeypatch.setattr(search, "WALK_COST_RATIO", 10**9)
    monkeypatch.setattr(search, "WALK_ON_AT_MOST", 5)  # fewer rows than the rest would need
    with CaptureQueriesContext(connection) as queries:
        shown, _, _ = search.search_for_list(Complaint.objects.all(), "router")
    assert sorted(shown.values_list("pk", flat=True)) == sorted(newest_matching("router")[:30])
    assert ways_read(queries) == (1, 1)
