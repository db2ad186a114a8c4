"""One row under a unique key, in one statement: `INSERT … ON CONFLICT DO NOTHING RETURNING id`.

The usual way (look, then insert in a savepoint, catching the race) is four round trips; this is
one, and a concurrent insert of the same key waits for the other transaction instead of failing.
"""

from django.db import IntegrityError, connections, router, transaction
from django.db.models import Model
from django.db.models.constants import OnConflict


def insert_once(instance: Model) -> bool:
    """Insert `instance` unless a row with one of its unique values exists: True (its primary key
    set) when this call inserted it, False when the row was there already (left as it was)."""
    model = type(instance)
    using = router.db_for_write(model, instance=instance)
    meta = model._meta
    fields = [field for field in meta.local_concrete_fields if field is not meta.auto_field]
    if not connections[using].features.can_return_columns_from_insert:
        return _insert_in_a_savepoint(instance, using)  # no RETURNING (SQLite before 3.35)
    # QuerySet._insert is what Model.save() and bulk_create() use; here with ON CONFLICT DO NOTHING
    # and RETURNING together, which bulk_create() does not combine.
    [row] = model._base_manager.using(using)._insert(
        [instance],
        fields=fields,
        returning_fields=meta.db_returning_fields,
        using=using,
        on_conflict=OnConflict.IGNORE,
    )
    if row is None:
        return False
    for value, field in zip(row, meta.db_returning_fields, strict=True):
        setattr(instance, field.attname, value)
    instance._state.adding, instance._state.db = False, using
    return True


def _insert_in_a_savepoint(instance: Model, using: str) -> bool:
    try:
        with transaction.atomic(using=using):
            instance.save(force_insert=True, using=using)
    except IntegrityError:
        return False
    return True
