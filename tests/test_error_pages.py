"""What a customer sees when a request cannot be done: a page of ours, never Django's bare one,
that says what happened to what they sent and gives the phone number — even with the database down."""

import io

import pytest
from django.db import OperationalError
from django.test import RequestFactory
from django.urls import reverse

from complaints.models import Complaint
from config.errors import server_error
from tests.complaints.factories import complaint_form_data

pytestmark = pytest.mark.django_db

NEW_URL = reverse("complaints:new")


class UnreadableBody(io.RawIOBase):
    def read(self, *args):
        raise AssertionError("the body was read")

    readinto = read


def test_a_body_over_the_limit_is_refused_unread_with_a_page_that_says_nothing_was_saved(client, settings):
    response = client.generic(
        "POST",
        NEW_URL,
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(200 * 1024 * 1024),
        **{"wsgi.input": UnreadableBody()},
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "What you sent is too large" in page
    assert "Nothing has been saved" in page
    assert "up to 5 files of 10 MB each" in page
    assert settings.COMPANY["phone"] in page
    assert Complaint.objects.count() == 0


def test_a_body_within_the_limit_is_read_as_usual(client):
    assert client.post(NEW_URL, complaint_form_data(), follow=True).status_code == 200
    assert Complaint.objects.count() == 1


def test_the_database_going_away_gives_a_503_page_saying_the_complaint_was_not_saved(client, monkeypatch):
    def database_gone(**details):
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr("complaints.services.file_complaint", database_gone)
    client.raise_request_exception = False

    response = client.post(NEW_URL, complaint_form_data())

    assert response.status_code == 503
    assert response["Retry-After"] == "120"
    page = response.content.decode()
    assert "our complaints service is unavailable" in page
    assert "it has not been saved" in page
    assert "01223 446000" in page
    assert "Server Error (500)" not in page


def test_any_other_failure_gives_our_500_page(client, monkeypatch):
    def broken(**details):
        raise RuntimeError("a bug")

    monkeypatch.setattr("complaints.services.file_complaint", broken)
    client.raise_request_exception = False

    response = client.post(NEW_URL, complaint_form_data())

    assert response.status_code == 500
    assert "something went wrong on our side" in response.content.decode()
    assert "it has not been saved" in response.content.decode()


def test_the_error_page_needs_no_database(django_assert_num_queries):
    request = RequestFactory().get("/")
    with django_assert_num_queries(0):
        try:
            raise OperationalError("server closed the connection unexpectedly")
        except OperationalError:
            response = server_error(request)
    assert response.status_code == 503
