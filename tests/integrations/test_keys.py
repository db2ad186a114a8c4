"""API keys: shown once, stored hashed, refused once expired or revoked; managers keep them."""

import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from escalation.roles import COMPLAINTS_MANAGERS, SUPPORT_AGENTS
from integrations import keys
from integrations.models import ApiKey, Scope
from tests.escalation.factories import staff_member
from tests.integrations.factories import api_key

pytestmark = pytest.mark.django_db

ADD = reverse("admin:integrations_apikey_add")
LIST = reverse("admin:integrations_apikey_changelist")


def test_a_key_is_stored_as_a_hash_of_its_secret_and_found_again_by_it():
    made = api_key(Scope.COMPLAINTS_READ, Scope.REPORTS_READ)
    stored = ApiKey.objects.get()
    secret = made.plain.split("_", 2)[2]
    assert made.plain.startswith(f"nsk_{stored.prefix}_")
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(list(ApiKey.objects.values()))  # nowhere in the row
    assert keys.key_for(made.plain) == stored
    assert stored.scopes == ["complaints:read", "reports:read"]


@pytest.mark.parametrize(
    "mangle",
    [
        lambda plain: plain[:-1] + ("A" if plain[-1] != "A" else "B"),  # a wrong secret
        lambda plain: plain.replace("nsk_", "xyz_"),
        lambda plain: plain.split("_", 2)[0] + "_" + plain.split("_", 2)[1],  # no secret
        lambda plain: "nsk_00000000_" + plain.split("_", 2)[2],  # an unknown prefix
        lambda plain: "",
    ],
)
def test_anything_but_the_key_is_refused(mangle):
    made = api_key()
    assert keys.key_for(mangle(made.plain)) is None


def test_an_expired_or_revoked_key_is_refused():
    expiring = api_key(expires_in=timedelta(days=1))
    revoked = api_key(name="Telephony")
    keys.revoke_key(revoked.key)
    assert keys.key_for(revoked.plain) is None
    assert keys.key_for(expiring.plain) is not None
    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        assert keys.key_for(expiring.plain) is None


def test_last_used_is_written_at_most_once_a_minute():
    made = api_key()
    keys.key_for(made.plain)
    first = ApiKey.objects.get().last_used_at
    keys.key_for(made.plain)
    assert ApiKey.objects.get().last_used_at == first
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        keys.key_for(made.plain)
    assert ApiKey.objects.get().last_used_at > first


@pytest.mark.parametrize(
    ("scopes", "expires_at"),
    [([], None), (["complaints:delete"], None), (["complaints:read"], timezone.now() - timedelta(days=1))],
)
def test_a_key_needs_known_scopes_and_a_future_expiry(scopes, expires_at):
    with pytest.raises(ValidationError):
        keys.make_key(name="CRM", scopes=scopes, expires_at=expires_at, by=None)
    assert not ApiKey.objects.exists()


def test_a_manager_makes_a_key_in_the_admin_and_sees_it_once(client):
    manager = staff_member(COMPLAINTS_MANAGERS)
    client.force_login(manager)
    response = client.post(ADD, {"name": "CRM (Salesforce)", "scopes": ["complaints:read", "timeline:write"]})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    key = ApiKey.objects.get()
    plain = page.split('id="new-key" type="text" readonly value="')[1].split('"')[0]
    assert keys.key_for(plain) == key
    assert (key.name, key.scopes, key.created_by) == (
        "CRM (Salesforce)",
        ["complaints:read", "timeline:write"],
        manager,
    )
    listed = client.get(LIST).content.decode()
    assert key.prefix in listed
    assert plain not in listed
    assert (
        plain not in client.get(reverse("admin:integrations_apikey_change", args=[key.pk])).content.decode()
    )


def test_the_form_says_what_is_missing(client):
    client.force_login(staff_member(COMPLAINTS_MANAGERS))
    response = client.post(ADD, {"name": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not ApiKey.objects.exists()


def test_a_manager_revokes_a_key_and_it_is_refused_at_once(client):
    made = api_key()
    manager = staff_member(COMPLAINTS_MANAGERS)
    client.force_login(manager)
    client.post(LIST, {"action": "revoke", "_selected_action": [made.key.pk]})
    assert ApiKey.objects.get().revoked_at is not None
    assert keys.key_for(made.plain) is None
    made.key.user.refresh_from_db()
    assert not made.key.user.is_active  # its account is switched off with it
    [entry] = LogEntry.objects.filter(object_id=str(made.key.pk))
    assert (entry.user, entry.action_flag, entry.change_message) == (manager, CHANGE, "Revoked.")
    client.post(LIST, {"action": "revoke", "_selected_action": [made.key.pk]})
    assert LogEntry.objects.filter(object_id=str(made.key.pk)).count() == 1  # revoked once


def test_making_a_key_is_in_the_admin_history(client):
    manager = staff_member(COMPLAINTS_MANAGERS)
    client.force_login(manager)
    client.post(ADD, {"name": "Telephony", "scopes": ["timeline:write"]})
    key = ApiKey.objects.get()
    [entry] = LogEntry.objects.filter(object_id=str(key.pk))
    assert (entry.user, entry.action_flag) == (manager, ADDITION)
    assert entry.change_message == "Made, with the scopes timeline:write."


def test_agents_neither_see_nor_make_keys(client):
    client.force_login(staff_member(SUPPORT_AGENTS))
    assert client.get(LIST).status_code == 403
    assert client.post(ADD, {"name": "x", "scopes": ["complaints:read"]}).status_code == 403
    assert not ApiKey.objects.exists()


def test_answers_kept_for_retries_are_forgotten_after_a_day():
    """Kept for the retry window only: after it, the same key may open another complaint."""
    from django.conf import settings

    from integrations import idempotency, tasks
    from integrations.models import IdempotentRequest

    made = api_key(Scope.COMPLAINTS_WRITE)
    for key, hours_ago in (("old", idempotency.IDEMPOTENCY_HOURS + 1), ("new", 1)):
        IdempotentRequest.objects.create(
            api_key=made.key,
            key=key,
            fingerprint="x" * 64,
            made=f"NS-{key.upper():0>4}-0000",
            created_at=timezone.now() - timedelta(hours=hours_ago),
        )
    assert tasks.forget_idempotent_answers_task() == 1
    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["new"]
    assert any(
        entry["task"] == "integrations.tasks.forget_idempotent_answers_task"
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
    )
