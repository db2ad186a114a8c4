import os, sys, time
from bench.database import use_benchmark_database
use_benchmark_database(fresh=False)
import django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.contrib.auth import get_user_model
from django.conf import settings
settings.DEBUG = False
staff = Client(); staff.force_login(get_user_model().objects.get(username="bench-manager"))
url = sys.argv[1]
params = dict(a.split("=", 1) for a in sys.argv[2:])
staff.get(url, params)
with CaptureQueriesContext(connection) as q:
    t = time.perf_counter(); r = staff.get(url, params); total = time.perf_counter() - t
print(r.status_code, f"{total*1000:.0f} ms")
for x in q.captured_queries:
    print(x["time"], x["sql"][:700].replace("\n", " "))
    print()
