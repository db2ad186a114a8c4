"""The test run's settings: production's (DEBUG off), with a throw-away secret key.

Set in the environment before the settings are read, so the Celery workers and servers the tests
start in other processes sign with the same key.
"""

import os
import secrets

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-" + secrets.token_urlsafe(50))

from config.settings import *  # noqa: F403
