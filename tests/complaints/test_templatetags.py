"""The customer pages' own template tags: the cheaper date filters say exactly what Django's `date`
filter says, and a static fragment is rendered once per name, language and variant."""

from datetime import UTC, date, datetime

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.test import RequestFactory
from django.utils import translation

from complaints.templatetags.dates import day, day_and_time, machine_time

# Either side of the clocks going back (26 October 2025, 01:00 UTC), and a summer evening that is
# already the next day in London.
MOMENTS = [
    datetime(2025, 10, 25, 23, 30, tzinfo=UTC),
    datetime(2025, 10, 26, 1, 30, tzinfo=UTC),
    datetime(2026, 6, 30, 23, 15, tzinfo=UTC),
    datetime(2026, 1, 1, 0, 0, tzinfo=UTC),
]
DAY_FORMATS = ["j M Y", "j F Y", "l j F Y"]


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("format_string", DAY_FORMATS)
@pytest.mark.parametrize("language", ["en-gb", "de"])
def test_the_date_filters_say_what_djangos_date_filter_says(moment, format_string, language):
    def render(text, value):
        # In a template, as pages use them: Django's filter gets the moment in local time there.
        return Template("{% load dates %}" + text).render(Context({"value": value, "format": format_string}))

    with translation.override(language):
        assert render("{{ value|day:format }}", moment) == render("{{ value|date:format }}", moment)
        assert render("{{ value|day:format }}", moment.date()) == render(
            "{{ value|date:format }}", moment.date()
        )
        assert render("{{ value|day_and_time:format }}", moment) == render(
            "{{ value|date:format }}, {{ value|date:'H:i' }}", moment
        )
        assert render("{{ value|machine_time }}", moment) == render("{{ value|date:'c' }}", moment)


def test_the_day_follows_the_language_although_it_was_worked_out_before():
    with translation.override("en-gb"):
        english = day(date(2026, 3, 2), "l j F Y")
    with translation.override("de"):
        german = day(date(2026, 3, 2), "l j F Y")
    assert english == "Monday 2 March 2026"
    assert german == "Montag 2 März 2026"


def test_an_empty_date_is_an_empty_text():
    assert day(None) == day_and_time(None) == machine_time(None) == ""


def test_a_static_fragment_is_rendered_once_for_each_variant_and_language():
    template = Template(
        '{% load fragments %}{% static_fragment "test-variants" stage %}{{ stage }}:{{ counter.next }}'
        "{% endstatic_fragment %}"
    )

    class Counter:
        calls = 0

        def next(self):
            self.calls += 1
            return self.calls

    counter = Counter()

    def render(stage, language="en-gb"):
        with translation.override(language):
            return template.render(Context({"stage": stage, "counter": counter}))

    assert [render(1), render(2), render(1), render(2)] == ["1:1", "2:2", "1:1", "2:2"]
    assert render(1, language="de") == "1:3"  # another language is another rendering
    assert counter.calls == 3


def test_a_static_fragment_refuses_to_keep_a_csrf_token():
    page = Template(
        '{% load fragments %}{% static_fragment "with-a-token" %}{% csrf_token %}{% endstatic_fragment %}'
    )
    request = RequestFactory().get("/")
    with pytest.raises(TemplateSyntaxError, match="CSRF token"):
        page.render(Context({"csrf_token": "a-token", "request": request}))
