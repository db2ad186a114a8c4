"""Settings for the capacity benchmark's gunicorn: production's, plus the floor view (bench/urls.py)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
