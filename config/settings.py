"""The one settings module. Everything that differs between a laptop and production comes from the
environment (see .env.example and the configuration table in the README); domain rules live in code."""

import ipaddress
from datetime import date, timedelta
from email.utils import parseaddr
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_noop

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"  # runtime files of the embedded default: SQLite, broker folders, uploads

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# The key signs sessions and customers' private links: anyone who knows it can forge a link that
# never expires. So production (DEBUG off) refuses to start on a missing, short or well-known key;
# only a laptop (`make run` sets DJANGO_DEBUG=1) falls back to the development key. To rotate, put
# the old key in DJANGO_SECRET_KEY_FALLBACKS: links and sessions signed with it keep working.
DEVELOPMENT_SECRET_KEY = "django-insecure-local-development-key-only"  # noqa: S105 - refused when DEBUG is off
SECRET_KEY = env("DJANGO_SECRET_KEY", default="") or (DEVELOPMENT_SECRET_KEY if DEBUG else "")
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])


def _refuse_a_weak_key(name: str, key: str) -> None:
    if len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure-"):
        raise ImproperlyConfigured(
            f"{name} must be a long random secret (50 characters or more) when DJANGO_DEBUG is off; "
            "make one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )


if not DEBUG:
    _refuse_a_weak_key("DJANGO_SECRET_KEY", SECRET_KEY)
    for fallback in SECRET_KEY_FALLBACKS:
        _refuse_a_weak_key("DJANGO_SECRET_KEY_FALLBACKS", fallback)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# Absolute address of the portal, for links in e-mails and letters (no request is at hand there).
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "config.apps.PortalAdminConfig",  # Django's admin with a throttled staff login (config/admin.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_ratelimit",
    "csp",
    "axes",
    "anymail",
    "notifications",
    "complaints",
    "escalation",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Redoc's files, served as our own static files
    "integrations",
]

MIDDLEWARE = [
    # First: probes and scrapes are answered before the host check and the HTTPS redirect.
    "config.health.HealthEndpointsMiddleware",
    "config.observability.RequestObservationMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.RejectNulCharactersMiddleware",
    "config.middleware.RequestBodyLimitMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.NoStoreMiddleware",  # after WhiteNoise: static files keep their caching
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The visitor's language (the switch's cookie, else the browser's); URLs carry no language prefix.
    "django.middleware.locale.LocaleMiddleware",
    "config.middleware.StaffPagesInEnglishMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "complaints.context_processors.company_and_scheme",
                "escalation.context_processors.procedure_rules",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process and the Celery worker share the file: WAL lets readers and one writer
    # work at once, IMMEDIATE transactions and a timeout turn lock contention into a short wait.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not memory, so that a Celery worker started by a test sees the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A database that does not answer fails a request in seconds (our 503 page), not minutes.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    # No just-in-time compiling: it pays off for queries running seconds, and ours run milliseconds.
    # PostgreSQL compiles any query it prices high, and its price for a search can be far off: 43 ms
    # of a 140 ms search at a million complaints went on compiling.
    # Added to any options DATABASE_URL gives (?options=...); libpq then ignores PGOPTIONS. Behind a
    # pooler that refuses startup options (PgBouncer), set DATABASE_JIT_OFF=0 and turn it off in the
    # database instead: ALTER DATABASE complaints SET jit = off.
    if env.bool("DATABASE_JIT_OFF", default=True):
        given = DATABASES["default"]["OPTIONS"].get("options", "")
        DATABASES["default"]["OPTIONS"]["options"] = f"{given} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache, Celery -----------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "portal",
            # Redis answers in microseconds; one that takes half a second is treated as down (the
            # cache then pauses for 10 s: config/cache.py), so a hung Redis cannot stall pages.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    # django-ratelimit names only django-redis as supported; Django's own Redis backend has the
    # atomic increment it relies on.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
else:
    # Embedded default for `make run` and tests without Redis: one process, so a local cache
    # is shared by every request. Production sets REDIS_URL, which rate limits need.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.E003", "django_ratelimit.W001"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # An index holding a column for PostgreSQL's index-only reads (escalation_resolved_cause) is a
    # plain index on SQLite, which has no such columns: as meant, not a warning for every start.
    SILENCED_SYSTEM_CHECKS.append("models.W040")

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's filesystem transport: a broker that needs no server, for `make run`.
    BROKER_DIR = VAR_DIR / "broker"
    # The transport needs its folders before the first message; every process may be the first.
    for folder in ("queue", "processed", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        # Its exchange table too, or kombu writes it to ./control in whatever folder a process starts.
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
    # Broadcast (remote control) needs a fan-out exchange the filesystem transport lacks.
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
else:
    # Fail fast when Redis is down: a web request queues nothing it can lose (the outbox row is
    # already committed), so waiting for the broker only makes a customer wait.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
        "visibility_timeout": 3600,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Europe/London"
# Our LOGGING (JSON lines in production) applies in the worker too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# What a task prints (the framed e-mails of development) goes to the terminal as it is, not through
# the worker's logger as WARNING lines.
CELERY_WORKER_REDIRECT_STDOUTS = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
DEADLINE_SWEEP_SECONDS = env.float("DEADLINE_SWEEP_SECONDS", default=300.0)
REPORT_FIGURES_SECONDS = env.float("REPORT_FIGURES_SECONDS", default=600.0)
CELERY_BEAT_SCHEDULE = {
    # Reminders, overdue alerts and ADR letters (escalation/sweep.py). A run that finds the
    # next one already queued is dropped rather than stacked behind it.
    "anonymise-expired-complaints": {
        "task": "escalation.tasks.anonymise_expired_complaints_task",
        "schedule": 24 * 60 * 60.0,
    },
    "enforce-deadlines": {
        "task": "escalation.tasks.enforce_deadlines_task",
        "schedule": DEADLINE_SWEEP_SECONDS,
        "options": {"expires": DEADLINE_SWEEP_SECONDS},
    },
    # Messages whose delivery task never reached the broker (Redis down at the time) or
    # whose worker died are picked up again here, so a queued message is always delivered.
    "requeue-pending-notifications": {
        "task": "notifications.tasks.requeue_pending_messages_task",
        "schedule": env.float("NOTIFICATIONS_REQUEUE_SECONDS", default=60.0),
    },
    # The needs records due for review, to the team's inbox (Ofcom GC C5: needs are kept up to date).
    "list-needs-reviews-due": {
        "task": "complaints.tasks.list_needs_reviews_due_task",
        "schedule": 24 * 60 * 60.0,
    },
    "forget-old-emails": {
        "task": "complaints.tasks.forget_old_emails_task",
        "schedule": 24 * 60 * 60.0,
    },
    # The figures of the monthly report and the dashboard's chart, recomputed into a table the pages read.
    "refresh-report-figures": {
        "task": "escalation.tasks.refresh_report_figures_task",
        "schedule": REPORT_FIGURES_SECONDS,
        "options": {"expires": REPORT_FIGURES_SECONDS},
    },
    # The API's answers kept for retries (Idempotency-Key) hold customers' details: a day only.
    "forget-idempotent-answers": {
        "task": "integrations.tasks.forget_idempotent_answers_task",
        "schedule": 60 * 60.0,
    },
    # Webhook deliveries whose task never reached the broker, or whose worker died.
    "requeue-webhook-deliveries": {
        "task": "integrations.tasks.requeue_webhook_deliveries_task",
        "schedule": env.float("WEBHOOKS_REQUEUE_SECONDS", default=60.0),
    },
    "forget-old-webhook-deliveries": {
        "task": "integrations.tasks.forget_old_webhook_deliveries_task",
        "schedule": 24 * 60 * 60.0,
    },
    # Failed messages no one has marked handled get another day of tries, every day.
    "retry-failed-notifications": {
        "task": "notifications.tasks.retry_failed_messages_task",
        "schedule": 24 * 60 * 60.0,
    },
}
# Every task gives up rather than hang a worker (prefork pool; the threads pool of `make run`
# cannot interrupt a task, and relies on EMAIL_TIMEOUT and the sweep's statement timeouts).
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
# A row SENDING for longer than an attempt can take (EMAIL_TIMEOUT, the hard time limit) had its
# worker killed mid-send; the requeue takes it back (notifications/delivery.py).
OUTBOX_SENDING_STALE = timedelta(seconds=env.int("OUTBOX_SENDING_STALE_SECONDS", default=600))

# --- E-mail -------------------------------------------------------------------------------------
# The demo staff login of `make run` (DEBUG only), kept for the owner of this checkout alone.
DEMO_LOGIN_FILE = BASE_DIR / "var" / "demo-login.txt"
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
if EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":  # noqa: F821 (set just above)
    EMAIL_BACKEND = "notifications.console.FramedConsoleBackend"  # printed as e-mails, framed
# An SMTP server that accepts the connection and never answers must not hold a worker (and the
# row it is sending) for ever: give up after this long and retry later.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Netservers Complaints <complaints@netservers.co.uk>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where the complaints team hears of new customer messages.
COMPLAINTS_TEAM_EMAIL = env("COMPLAINTS_TEAM_EMAIL", default="complaints-team@netservers.co.uk")

# --- E-mail in (complaints/inbound/) ------------------------------------------------------------
# Customers' replies go to INBOUND_EMAIL_ADDRESS with a signed tag (complaints+NS-XXXX-XXXX.<tag>@…);
# mail to that mailbox reaches the portal by our SMTP server, the mail server's pipe, an ESP's
# webhook or an IMAP mailbox (README, "E-mail in").
INBOUND_EMAIL_ADDRESS = env("INBOUND_EMAIL_ADDRESS", default=parseaddr(DEFAULT_FROM_EMAIL)[1])
INBOUND_SMTP_HOST = env("INBOUND_SMTP_HOST", default="127.0.0.1")
INBOUND_SMTP_PORT = env.int("INBOUND_SMTP_PORT", default=2525)
INBOUND_SMTP_HOSTNAME = env("INBOUND_SMTP_HOSTNAME", default="localhost")  # the name in its greeting
INBOUND_MAX_BYTES = env.int("INBOUND_MAX_BYTES", default=25 * 1024 * 1024)
# New complaints opened by e-mail from one sender in an hour; more go to staff (quarantine).
INBOUND_NEW_COMPLAINTS_PER_HOUR = env.int("INBOUND_NEW_COMPLAINTS_PER_HOUR", default=20)
# The authserv-id our own mail server writes in Authentication-Results (RFC 8601), e.g.
# mx.netservers.co.uk: when set, a sender's address proves who they are (a quoted reference, their
# own thread) only with that server's DMARC pass. Empty: the mail server must reject DMARC failures.
INBOUND_AUTHSERV_ID = env("INBOUND_AUTHSERV_ID", default="")
# Dropped and discarded e-mails on no complaint (bounces, auto-replies, spam) are emptied after this.
INBOUND_KEEP_UNMATCHED_DAYS = env.int("INBOUND_KEEP_UNMATCHED_DAYS", default=90)
# A mailbox to poll, imaps://user:password@host:993/INBOX (empty: none); the CA file only for a
# server whose certificate the system does not trust (a test's own).
INBOUND_IMAP_URL = env("INBOUND_IMAP_URL", default="")
INBOUND_IMAP_CA_FILE = env("INBOUND_IMAP_CA_FILE", default="")
INBOUND_IMAP_SECONDS = env.float("INBOUND_IMAP_SECONDS", default=60.0)
# E-mail providers whose inbound webhook is open at /inbound/email/<esp>/ (mailgun, postmark,
# sendgrid, amazon_ses, brevo, mailersend, mailjet, sparkpost); none by default. Each request must
# carry ANYMAIL_WEBHOOK_SECRET as basic auth, and the provider's signature where it signs.
INBOUND_WEBHOOK_ESPS = env.list("INBOUND_WEBHOOK_ESPS", default=[])
_anymail_secrets = {
    "WEBHOOK_SECRET": env("ANYMAIL_WEBHOOK_SECRET", default=""),
    "MAILGUN_WEBHOOK_SIGNING_KEY": env("MAILGUN_WEBHOOK_SIGNING_KEY", default=""),
    "MAILERSEND_INBOUND_SECRET": env("MAILERSEND_INBOUND_SECRET", default=""),
}
ANYMAIL = {
    name: value for name, value in _anymail_secrets.items() if value
}  # unset: absent, as anymail expects
if INBOUND_WEBHOOK_ESPS and not ANYMAIL.get("WEBHOOK_SECRET"):
    # Without it anyone could post mail into the portal as if the provider had received it.
    raise ImproperlyConfigured(
        "INBOUND_WEBHOOK_ESPS is set: set ANYMAIL_WEBHOOK_SECRET too (user:password, given to the provider "
        "in the webhook URL as https://user:password@…/inbound/email/<esp>/)."
    )
if INBOUND_IMAP_URL:
    CELERY_BEAT_SCHEDULE["poll-inbound-mailbox"] = {
        "task": "complaints.tasks.poll_inbound_mailbox_task",
        "schedule": INBOUND_IMAP_SECONDS,
        "options": {"expires": INBOUND_IMAP_SECONDS},
    }

# --- Auth, sessions, security -------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# Sessions are read from the cache (Redis) and written through to the database: a page costs no
# session query, and a cache that is down or flushed loses no session.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = 12 * 60 * 60  # a working day for staff; customers on shared devices too
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# How many proxies in front of the portal append to X-Forwarded-For (docker-compose: 1, Caddy).
# 0 believes no header: the connecting address is the client. Never more than there really are,
# or a client's own forged entry is taken as its address (config/client_address.py).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(
        "TRUSTED_PROXY_COUNT is the number of proxies in front of the portal: 0 or more."
    )
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # HTTPS only: plain HTTP is redirected, and browsers are told to remember it for a year.
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)

# Content Security Policy (django-csp): our own scripts, styles, images and forms only; no
# framing. Inline style attributes are allowed (charts and admin pages use them); scripts never.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# Admin login lockout (django-axes): five failures for a username from one address lock it for
# an hour; a success resets the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_CLIENT_IP_CALLABLE = "config.client_address.client_address"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A username failing from many addresses is slowed, not locked (config/login_throttle.py).
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"

# Rate limits (django-ratelimit) key on the client address as config/client_address.py derives it.
RATELIMIT_IP_META_KEY = "config.client_address.client_address"
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
# With the cache (Redis) down, let requests through rather than refuse every customer.
RATELIMIT_FAIL_OPEN = True

# --- Files --------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Customers' files live outside anything served publicly; only an access-checked view reads them.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env.path("MEDIA_ROOT", default=VAR_DIR / "media")},
    },
    "staticfiles": {
        # Hashed, compressed names once `collectstatic` has run (the Docker image does it at
        # build time); plain names on a laptop and in tests, where it has not.
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if (STATIC_ROOT / "staticfiles.json").is_file()
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True  # serve /static/ without collectstatic on a laptop and in tests
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # larger uploads spool to a temporary file
DATA_UPLOAD_MAX_NUMBER_FILES = 10
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # the form fields, files apart
# A whole request body: five attachments of 10 MB (complaints/uploads.py) and the form. Larger is
# refused (413) from its Content-Length without being read; keep the proxy's limit the same.
MAX_REQUEST_BODY_BYTES = env.int("MAX_REQUEST_BODY_BYTES", default=52 * 1024 * 1024)

# --- Locale -------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
# Customer pages, e-mails and letters in English or Welsh; staff pages stay English.
LANGUAGES = [("en-gb", "English"), ("cy", "Cymraeg")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The language switch's choice, kept a year (it is a preference, not personal data).
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- The provider and its ADR scheme (shown on every customer-facing page and message) ----------
COMPANY = {
    "name": env("COMPANY_NAME", default="Netservers Ltd."),
    # The header's text logo: the name customers know, without "Ltd.".
    "wordmark": env("COMPANY_WORDMARK", default="Netservers"),
    "phone": env("COMPANY_PHONE", default="01223 446000"),
    "email": env("COMPANY_EMAIL", default="support@netservers.co.uk"),
    "address_lines": env.list(
        "COMPANY_ADDRESS", default=["Customer Services", "21 Signet Court", "Cambridge", "CB5 8LA"]
    ),
    "complaints_manager_address_lines": env.list(
        "COMPLAINTS_MANAGER_ADDRESS",
        default=[
            "Attn: Complaints Manager",
            "Netservers Ltd.",
            "21 Signet Court",
            "Cambridge CB5 8LA",
        ],
    ),
    # The days are translated where they are shown ({% translate days %}); gettext_noop marks them.
    "hours": [(gettext_noop("Monday – Friday"), "09:00–18:00"), (gettext_noop("Saturday"), "10:00–16:00")],
}
# --- Deadlines (README, "How deadlines are counted") --------------------------------------------
# Whose bank holidays count: ENG, WLS, SCT or NIR, as the `holidays` package names the UK nations.
WORKING_DAYS_REGION = env("WORKING_DAYS_REGION", default="ENG")
if WORKING_DAYS_REGION not in {"ENG", "WLS", "SCT", "NIR"}:
    raise ImproperlyConfigured("WORKING_DAYS_REGION must be one of ENG, WLS, SCT, NIR.")
# Ofcom GC C4: the customer may go to the ombudsman this many calendar days after first complaining;
# complaints first received before the cut-over date keep the earlier period.
ADR_PERIOD_DAYS = env.int("ADR_PERIOD_DAYS", default=42)
ADR_PREVIOUS_PERIOD_DAYS = env.int("ADR_PREVIOUS_PERIOD_DAYS", default=56)
ADR_PERIOD_CUTOVER = date.fromisoformat(env("ADR_PERIOD_CUTOVER", default="2026-04-08"))
# Retention (UK GDPR storage limitation): a resolved or closed complaint's personal data is removed
# this long after it was closed (6 years: contract claims in England and Wales). See escalation/retention.py.
COMPLAINT_RETENTION_DAYS = env.int("COMPLAINT_RETENTION_DAYS", default=6 * 365 + 2)
# From which hour (UK time) the deadline sweep sends the managers' daily digest.
DEADLINE_DIGEST_HOUR = env.int("DEADLINE_DIGEST_HOUR", default=7)

ISPA_MEMBER = env.bool("ISPA_MEMBER", default=False)
ADR_SCHEME = {
    "name": env("ADR_SCHEME_NAME", default="Communications Ombudsman"),
    "former_name": env("ADR_SCHEME_FORMER_NAME", default="Ombudsman Services: Communications"),
    "phone": env("ADR_SCHEME_PHONE", default="0330 440 1614"),
    "email": env("ADR_SCHEME_EMAIL", default="enquiry@commsombudsman.org"),
    "web": env("ADR_SCHEME_WEB", default="https://www.commsombudsman.org"),
    "address_lines": env.list(
        "ADR_SCHEME_ADDRESS",
        default=["Communications Ombudsman", "PO Box 730", "Warrington", "WA4 6WU"],
    ),
    # What the scheme cannot deal with (its published "complaints we deal with" page), translated
    # where shown.
    "cannot_deal_with": [
        gettext_noop("products or services not bought or rented from one of its member companies"),
        gettext_noop("cable television services"),
        gettext_noop("the location of telegraph poles and mobile phone masts"),
        gettext_noop("cable and wiring inside your property"),
        gettext_noop(
            "the content of internet sites, advertisements, calls, e-mails, texts or other messages"
        ),
        gettext_noop("problems already being dealt with by the courts or another complaints procedure"),
        gettext_noop("employment and staff issues in communications companies"),
        gettext_noop("complaints it considers malicious or unjustified"),
        gettext_noop("commercial decisions about whether to provide a product or service, and on what terms"),
        gettext_noop("disagreements between communications companies"),
    ],
}

# --- Operations (README, "Operations") ------------------------------------------------------
# /metrics answers these networks (as config/client_address.py sees the client) or the token.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
if METRICS_TOKEN and len(METRICS_TOKEN) < 32:
    raise ImproperlyConfigured("METRICS_TOKEN must be 32 characters or more (or unset: loopback only).")
try:
    METRICS_ALLOWED_NETWORKS = [
        ipaddress.ip_network(network)
        for network in env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"])
    ]
except ValueError as error:
    raise ImproperlyConfigured(f"METRICS_ALLOWED_NETWORKS: {error}") from error

# One JSON object per line in production (request and task lines carry the view or task, the
# status, the time taken and the complaint reference; never a path, an e-mail address or a token).
LOG_FORMAT = env("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "config.observability.RedactingFilter"}},
    "formatters": {
        "json": {
            "()": "config.observability.RedactingJsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {
            "()": "config.observability.RedactingTextFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Every request is logged once, by portal.request; Django's own line for a 4xx would repeat it.
        "django.request": {"level": "ERROR"},
        # runserver's own line for every request and static file repeats portal.request's (make run).
        "django.server": {"level": "WARNING"},
        # Start-up chatter of every process (its version, the file watcher, a filesystem broker's
        # missing hostname): nothing an operator acts on.
        "axes.apps": {"level": "WARNING"},
        "django.utils.autoreload": {"level": "WARNING"},
        "kombu.connection": {"level": "ERROR"},
        # aiosmtpd logs every SMTP command (senders' and recipients' addresses) at INFO.
        "mail.log": {"level": "WARNING"},
    },
}

# Error reporting (Sentry or a compatible service) only when a DSN is set; no personal data sent.
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    from config.observability import start_error_reporting

    start_error_reporting(SENTRY_DSN, environment=env("SENTRY_ENVIRONMENT", default="production"))

# --- The API for other systems (integrations/) --------------------------------------------------------
REST_FRAMEWORK = {
    # Keys only: no session or basic authentication (no cookies, so no CSRF surface).
    "DEFAULT_AUTHENTICATION_CLASSES": ["integrations.authentication.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["integrations.permissions.HasScope"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["integrations.parsers.JsonParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "integrations.problems.problem_details",
    "DEFAULT_THROTTLE_CLASSES": ["integrations.throttles.PerKeyRate"],
    "UNAUTHENTICATED_USER": None,
}
# Each key's requests a minute (integrations/throttles.py): past them, 429 with Retry-After.
API_READS_PER_MINUTE = env.int("API_READS_PER_MINUTE", default=600)
API_WRITES_PER_MINUTE = env.int("API_WRITES_PER_MINUTE", default=60)
# Webhooks out (integrations/webhook_delivery.py): each POST waits this long for an answer; a failed
# one is tried again after WEBHOOK_FIRST_RETRY_SECONDS, then twice as long each time (at most
# WEBHOOK_LONGEST_RETRY_SECONDS, under the Redis broker's one-hour visibility timeout), and is FAILED
# after WEBHOOK_ATTEMPTS tries (16: about 5 hours). Only public addresses over HTTPS are reached,
# unless allowed here (development and the tests' own receiver).
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
WEBHOOK_ATTEMPTS = env.int("WEBHOOK_ATTEMPTS", default=16)
WEBHOOK_FIRST_RETRY = timedelta(seconds=env.float("WEBHOOK_FIRST_RETRY_SECONDS", default=30.0))
WEBHOOK_LONGEST_RETRY = timedelta(seconds=env.float("WEBHOOK_LONGEST_RETRY_SECONDS", default=1800.0))
WEBHOOK_SENDING_STALE = timedelta(seconds=env.float("WEBHOOK_SENDING_STALE_SECONDS", default=300.0))
WEBHOOK_KEEP_DAYS = env.int("WEBHOOK_KEEP_DAYS", default=30)
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=DEBUG)
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=DEBUG)
SPECTACULAR_SETTINGS = {
    "TITLE": "Netservers complaints portal API",
    "DESCRIPTION": "For the provider's own systems: complaints, their clocks and timelines.",
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "REDOC_DIST": "SIDECAR",
    # The webhooks' events, each with its body (integrations/webhook_schema.py).
    "WEBHOOKS": [
        f"integrations.webhook_schema.{name}"
        for name in (
            "COMPLAINT_FILED",
            "COMPLAINT_STATUS_CHANGED",
            "COMPLAINT_STAGE_CHANGED",
            "COMPLAINT_DEADLINE_OVERDUE",
            "ADR_LETTER_SENT",
            "OMBUDSMAN_DECISION_RECORDED",
            "CUSTOMER_MESSAGE_RECEIVED",
        )
    ],
    "ENUM_NAME_OVERRIDES": {
        "ChannelEnum": "integrations.serializers.CHANNELS",
        "LoggedChannelEnum": "integrations.serializers.LOGGED_CHANNELS",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "integrations.schema.add_problem_responses",
    ],
}
