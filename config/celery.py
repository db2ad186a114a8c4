"""The Celery app: configured from Django settings (CELERY_*), tasks found in each app's tasks.py."""

import os

from celery import Celery

import config.observability  # noqa: F401 - a log line per task (its signal handlers)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("complaints_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
