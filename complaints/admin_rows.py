"""The complaint list's rows, cell for cell as Django's admin renders them (`items_for_result`), with
what is the same in every row worked out once per column instead of once per cell: which field or
method a column shows, its choices' labels, its empty value, its CSS class, the change link around
the first cell. Django's version cost ~45 ms of the list's ~100 ms at 50 rows of 12 columns.

A test renders the same list both ways and compares the HTML, so a Django upgrade that changes its
markup fails there rather than drifting unnoticed.
"""

import datetime

from django.contrib.admin.templatetags.admin_list import ResultList, _coerce_field_name, results
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import (
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
)
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.utils.html import conditional_escape, format_html

# Stands for a row's primary key in the change link, worked out once and filled in for each row.
_PK = "7319046825rowpk"


class _Unsupported(Exception):
    """A kind of column this module does not render (a callable, a model attribute, `__str__`): the
    list falls back to Django's rows."""


class _Column:
    def __init__(self, cl, index: int, name, *, linked: bool):
        model_admin = cl.model_admin
        if not isinstance(name, str):
            raise _Unsupported(name)
        self.name = name
        self.linked = linked
        self.classes = [f"field-{_coerce_field_name(name, index)}"]
        self.empty = self.admin_empty = model_admin.get_empty_value_display()
        self.method = self.field = self.choices = None
        self.boolean = self.foreign_key = False
        try:
            self.field = _get_non_gfk_field(cl.lookup_opts, name)
        except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
            if name == "__str__" or not callable(getattr(model_admin, name, None)):
                raise _Unsupported(name) from None
            self.method = getattr(model_admin, name)  # a ModelAdmin method
            self.empty = getattr(self.method, "empty_value_display", self.empty)
            self.boolean = getattr(self.method, "boolean", False)
            if name == "action_checkbox":
                self.classes = ["action-checkbox"]
            return
        if self.field.auto_created:  # the primary key: shown as a plain value
            return
        flatchoices = getattr(self.field, "flatchoices", None)
        self.choices = dict(flatchoices) if flatchoices else None
        self.foreign_key = isinstance(self.field.remote_field, models.ManyToOneRel)
        if isinstance(self.field, (models.DateField, models.TimeField, models.ForeignKey)):
            self.classes.append("nowrap")

    def cell(self, result) -> tuple[str, list[str]]:
        """The cell's HTML (escaped) and its classes."""
        try:
            return self._cell(result)
        except ObjectDoesNotExist:  # as Django: a missing related object shows as empty
            return conditional_escape(self.admin_empty), self.classes[:1]

    def _cell(self, result) -> tuple[str, list[str]]:
        classes = self.classes
        if self.field is None or self.field.auto_created:
            value = self.method(result) if self.method is not None else getattr(result, self.name)
            if isinstance(value, str) and value.strip() == "":
                value = ""
            shown = display_for_value(value, self.empty, self.boolean)
            if isinstance(value, (datetime.date, datetime.time)):
                classes = [*classes, "nowrap"]
            return conditional_escape(shown), classes
        value = getattr(result, self.name)
        if isinstance(value, str) and value.strip() == "":
            value = ""
        if self.choices is not None:
            shown = self.choices.get(value, self.empty)
        elif self.foreign_key:
            related = getattr(result, self.field.name)
            shown = self.empty if related is None else related
        else:
            shown = display_for_field(value, self.field, self.empty, avoid_link=self.linked)
        return conditional_escape(shown), classes


def result_rows(cl):
    """What Django's `results(cl)` yields: a ResultList per row (Django's own for the lists this does
    not cover: editable in place, or a pop-up)."""
    if cl.formset or cl.is_popup:
        return list(results(cl))
    links = cl.list_display_links
    columns, first = [], True
    try:
        for index, name in enumerate(cl.list_display):
            linked = links is not None and ((first and not links) or name in links)
            columns.append(_Column(cl, index, name, linked=linked))
            if linked:
                first = False
    except _Unsupported:
        return list(results(cl))
    change_url = add_preserved_filters(
        {"preserved_filters": cl.preserved_filters, "opts": cl.opts},
        cl.url_for_result(_Row(cl.pk_attname)),
    )
    # The key goes in the path only: the preserved filters after "?" are whatever staff typed.
    change_path, query_mark, preserved = change_url.partition("?")
    rows = []
    for result in cl.result_list:
        cells, tag_used = [], False
        for column in columns:
            shown, classes = column.cell(result)
            if column.linked:
                tag = "td" if tag_used else "th"
                tag_used = True
                url = change_path.replace(_PK, str(result.pk)) + query_mark + preserved
                cells.append(
                    format_html(
                        '<{} class="{}"><a href="{}">{}</a></{}>', tag, " ".join(classes), url, shown, tag
                    )
                )
            else:
                cells.append(format_html('<td class="{}">{}</td>', " ".join(classes), shown))
        rows.append(ResultList(None, cells))
    return rows


class _Row:
    """Stands for a row when the change link is worked out once."""

    def __init__(self, pk_attname):
        setattr(self, pk_attname, _PK)
