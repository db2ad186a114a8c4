"""gunicorn's settings for production (docker-compose: `gunicorn -c config/gunicorn.py`).

Prometheus' multiprocess mode: each worker writes its request metrics to files in
PROMETHEUS_MULTIPROC_DIR, which /metrics sums; the folder starts empty and a dead worker's gauges
are removed.
"""

import os
import shutil

bind = "0.0.0.0:8000"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = 60
# No access log: its lines carry paths, and a private link's path is the key to a complaint.
# The portal logs one line per request itself (config/observability.py), with the view's name.
accesslog = None


def on_starting(server):
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
