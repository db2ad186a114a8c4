"""Possible duplicates compare account numbers by their key (complaints/account_numbers.py): the index
moves from the number as typed to the key's expression, built and dropped concurrently on PostgreSQL."""

import django.db.models.functions.text
from django.db import migrations, models

from complaints.online_migrations import AddIndexConcurrentlyOnPostgreSQL, RemoveIndexConcurrentlyOnPostgreSQL

Replace = django.db.models.functions.text.Replace
Upper = django.db.models.functions.text.Upper


def without(character):
    return models.Value(character), models.Value("")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("complaints", "0017_no_surveys"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="complaint",
            index=models.Index(
                Replace(
                    Replace(Replace(Replace(Upper("account_number"), *without(" ")), *without("-")), *without(".")),
                    *without("/"),
                ),
                name="complaint_account_key",
            ),
        ),
        RemoveIndexConcurrentlyOnPostgreSQL(model_name="complaint", name="complaint_account_number"),
    ]
