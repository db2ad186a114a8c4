"""Possible duplicates compare account numbers by their key (complaints/account_numbers.py): the index
moves from the number as typed to the key's expression.

On PostgreSQL the index is built and dropped CONCURRENTLY (so the migration is not atomic): at a
million complaints a plain CREATE INDEX would block every write while it builds."""

import django.db.models.functions.text
from django.db import migrations, models


class ConcurrentlyOnPostgreSQL:
    """An index operation that, on PostgreSQL, builds or drops the index without blocking writes."""

    def _concurrently(self, schema_editor) -> dict:
        return {"concurrently": True} if schema_editor.connection.vendor == "postgresql" else {}


class AddIndex(ConcurrentlyOnPostgreSQL, migrations.AddIndex):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.add_index(model, self.index, **self._concurrently(schema_editor))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.remove_index(model, self.index, **self._concurrently(schema_editor))


class RemoveIndex(ConcurrentlyOnPostgreSQL, migrations.RemoveIndex):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            index = from_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
            schema_editor.remove_index(model, index, **self._concurrently(schema_editor))

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            index = to_state.models[app_label, self.model_name_lower].get_index_by_name(self.name)
            schema_editor.add_index(model, index, **self._concurrently(schema_editor))


def without(character):
    return models.Value(character), models.Value("")


Replace = django.db.models.functions.text.Replace
Upper = django.db.models.functions.text.Upper


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("complaints", "0017_no_surveys"),
    ]

    operations = [
        AddIndex(
            model_name="complaint",
            index=models.Index(
                Replace(
                    Replace(
                        Replace(Replace(Upper("account_number"), *without(" ")), *without("-")), *without(".")
                    ),
                    *without("/"),
                ),
                name="complaint_account_key",
            ),
        ),
        RemoveIndex(model_name="complaint", name="complaint_account_number"),
    ]
