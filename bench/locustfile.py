"""Load: customers filing and following complaints while agents page through the admin.

Run by `make loadtest` (bench/loadtest.py) against gunicorn on the loopback interface.
"""

import os
import random
import re

from locust import HttpUser, between, task

REFERENCE = re.compile(r"NS-[0-9A-Z]{4}-[0-9A-Z]{4}")
CHANGE_LINK = re.compile(r'href="/admin/complaints/complaint/(\d+)/change/')
FORM = {
    "customer_name": "Load Test",
    "email": "load@example.com",
    "phone": "07700 900123",
    "postal_address": "1 High Street\nCambridge",
    "postcode": "CB5 8LA",
    "customer_type": "residential",
    "category": "broadband_fault",
    "description": "The line drops every evening.",
    "reply_preference": "email",
}


class Customer(HttpUser):
    weight = 4
    wait_time = between(1, 3)
    reference = None

    @task(1)
    def file_a_complaint(self):
        self.client.get("/complaints/new/", name="/complaints/new/ (form)")
        token = self.client.cookies.get("csrftoken")
        response = self.client.post(
            "/complaints/new/", {**FORM, "csrfmiddlewaretoken": token}, name="/complaints/new/ (file)"
        )
        found = REFERENCE.search(response.text)
        if found:
            self.reference = found.group(0)

    @task(4)
    def follow_my_complaint(self):
        if self.reference:
            self.client.get(f"/complaints/{self.reference}/", name="/complaints/[reference]/")

    @task(1)
    def read_the_complaints_code(self):
        self.client.get("/complaints-code/")


class Agent(HttpUser):
    weight = 1
    wait_time = between(1, 4)
    complaint_ids: list[str] = []

    def on_start(self):
        self.client.get("/admin/login/")
        self.client.post(
            "/admin/login/",
            {
                "username": os.environ["LOADTEST_AGENT"],
                "password": os.environ["LOADTEST_PASSWORD"],
                "csrfmiddlewaretoken": self.client.cookies.get("csrftoken"),
                "next": "/admin/",
            },
            name="/admin/login/ (post)",
        )

    @task(3)
    def page_through_the_list(self):
        page = random.randint(1, 20)
        response = self.client.get(
            f"/admin/complaints/complaint/?p={page}", name="/admin/complaints/complaint/?p=N"
        )
        self.complaint_ids = CHANGE_LINK.findall(response.text)[:20] or self.complaint_ids

    @task(2)
    def look_at_the_overdue(self):
        self.client.get("/admin/complaints/complaint/?deadline=overdue", name="/admin/…?deadline=overdue")

    @task(2)
    def open_a_complaint(self):
        if self.complaint_ids:
            complaint_id = random.choice(self.complaint_ids)
            self.client.get(
                f"/admin/complaints/complaint/{complaint_id}/change/", name="/admin/…/[id]/change/"
            )
