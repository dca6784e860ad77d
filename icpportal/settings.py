"""Settings for icpportal.

Every value that differs between a laptop demo and a deployment is read from the
environment (or a `.env` file beside `manage.py`) through django-environ. The manual
(docs/settings.md) lists each variable with its default.
"""

import datetime
import shutil
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from infra.cache import with_reused_clients

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# A fixed key is acceptable only for local development: anything signed with it is
# forgeable by anyone who has read this file.
DEVELOPMENT_SECRET_KEY = "django-insecure-icpportal-development-only-key-do-not-deploy"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable, "
            "or DEBUG=true for local development."
        )
    SECRET_KEY = DEVELOPMENT_SECRET_KEY

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])

INSTALLED_APPS = [
    # The console's templates override the admin's, so it comes first.
    "console",
    "console.apps.StaffAdminConfig",
    "django.contrib.auth",
    # django-axes: the staff login lockout and its records, under the console's name.
    "console.apps.LoginRecordsConfig",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "captcha",
    # The staff's second factor: an authenticator app (TOTP) and recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tasks_db",
    "infra",
    "filings",
    "verification",
    "portal",
    "demo",
    "integrations",
    "api",
    "gateways",
    "ninja",  # its docs page's own static files (Swagger UI), no CDN
]

MIDDLEWARE = [
    "infra.logging.RequestIdMiddleware",
    # Before anything reads REMOTE_ADDR: the client's address behind trusted proxies.
    "infra.proxies.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Under /api/, an error answer from anywhere below becomes a problem.
    "api.middleware.ProblemAnswers",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Demo mode only: the demo's clock, which supervisors' time travel moves.
    "demo.middleware.demo_clock",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "infra.locale.CookieLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second factor.
    "django_otp.middleware.OTPMiddleware",
    "filings.privacy.PersonalDataMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Demo mode only: the training gateway's late delivery reports arrive.
    "demo.middleware.gateway_reports",
    # Demo mode only: the simulated administration decides the reviews that are due.
    "demo.middleware.simulated_reviews",
    # Last: turns a locked-out staff login's answer into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "icpportal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "icpportal.context_processors.demo",
            ],
        },
    },
]

# Widgets render through the project's template settings, so templates/ can
# override a package's widget (the captcha's).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

WSGI_APPLICATION = "icpportal.wsgi.application"
ASGI_APPLICATION = "icpportal.asgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A training room on the embedded default: several processes write at once.
    # Transactions start as writers (BEGIN IMMEDIATE), so one that reads and then
    # writes never fails halfway with "database is locked"; the others wait for it
    # (up to `timeout` seconds). WAL lets readers go on while one writes.
    sqlite_options = DATABASES["default"].setdefault("OPTIONS", {})
    sqlite_options.setdefault("timeout", 20)
    sqlite_options.setdefault("transaction_mode", "IMMEDIATE")
    sqlite_options.setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
else:
    # Keep a worker's connection between requests: opening one costs more than a
    # whole verify. A connection found broken is replaced at the next request.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=300)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if env.bool("DB_PREPARED_STATEMENTS", default=True):
        # Planning the verify page's lock query costs more than running it; psycopg
        # prepares a statement on a connection after its 5th use and reuses the plan.
        # Turn off behind a pooler that cannot carry prepared statements.
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=5
        )

# Django's Redis backend, keeping one client per pool (icpportal/cache.py).
CACHES = {
    "default": with_reused_clients(env.cache("CACHE_URL", default="locmemcache://"))
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The staff login lockout (django-axes; README, "Security"). Failed logins are counted
# by login name and by client address, each on its own: STAFF_LOGIN_FAILURE_LIMIT
# failures for one login name (from anywhere) or from one address (for any name)
# lock that name or that address out until STAFF_LOGIN_COOLOFF_MINUTES after the last
# failure; a supervisor can unlock at once in the console. Counted in the database,
# so every web process shares the counts.
STAFF_LOGIN_FAILURE_LIMIT = env.int("STAFF_LOGIN_FAILURE_LIMIT", default=5)
STAFF_LOGIN_COOLOFF_MINUTES = env.int("STAFF_LOGIN_COOLOFF_MINUTES", default=15)
if STAFF_LOGIN_FAILURE_LIMIT < 1 or STAFF_LOGIN_COOLOFF_MINUTES < 1:
    raise ImproperlyConfigured(
        "STAFF_LOGIN_FAILURE_LIMIT and STAFF_LOGIN_COOLOFF_MINUTES must be at least 1."
    )
# A staff member idle this long in the console is logged out (console.sites); the
# clock is the real one, so the demo's time travel logs nobody out.
STAFF_IDLE_MINUTES = env.int("STAFF_IDLE_MINUTES", default=30)
if STAFF_IDLE_MINUTES < 1:
    raise ImproperlyConfigured("STAFF_IDLE_MINUTES must be at least 1.")
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out login before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's own, whose user also says whose staff they are (infra.scope).
    "console.staff.StaffBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = STAFF_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = datetime.timedelta(minutes=STAFF_LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# The client's address as the throttles see it (infra.proxies), never a header.
AXES_CLIENT_IP_CALLABLE = "infra.proxies.request_client_address"
# The login page again, saying until when (console.logins).
AXES_LOCKOUT_CALLABLE = "console.logins.lockout_response"
# Every failed login is kept (AccessFailureLog) beside the successful ones (AccessLog).
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# A successful login does not clear the counts: one's own login must not buy more
# guesses at someone else's from the same address.
AXES_RESET_ON_SUCCESS = False
# A failed login while locked out starts the wait again: a steady guesser never gets
# a fresh allowance.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
# The console registers its own pages for the records (console/admin/logins.py).
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date format in both languages (icpportal/formats): 2026-12-07 09:30.
FORMAT_MODULE_PATH = ["icpportal.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Whitenoise serves static files from the app itself (no CDN, no separate server);
# in development it reads them straight from the app folders.
WHITENOISE_USE_FINDERS = DEBUG

# Content-Security-Policy (Django's built-in support): everything from this site only.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# The graphic captcha of the public forms. CAPTCHA_TEST_MODE=true accepts the answer
# PASSED (scripted acceptance runs); never turn it on in production.
CAPTCHA_TEST_MODE = env.bool("CAPTCHA_TEST_MODE", default=False)
CAPTCHA_IMAGE_SIZE = (120, 40)
CAPTCHA_FONT_SIZE = 28
CAPTCHA_CHALLENGE_FUNCT = "portal.challenges.unambiguous_challenge"
CAPTCHA_2X_IMAGE = True  # served at image/<key>@2/, named in the picture's srcset
# The picture's spoken alternative, a WAV file read by Debian's flite (apt-get install
# flite); without flite the page offers none. FLITE_PATH= (empty) turns it off.
CAPTCHA_FLITE_PATH = env.str("FLITE_PATH", default=shutil.which("flite") or "") or None

# Demo mode: the simulated phone at /demo/phone/ (with the database SMS backend),
# training scenarios and supervisors' time travel (docs/training.md, "The demo clock").
DEMO_MODE = env.bool("DEMO_MODE", default=False)
# Every staff login asks for a second factor (an authenticator app's code, or a
# recovery code) after the password, and a login without one sets it up first
# (console.second_factor). Optional in demo mode, where the set-up can be tried;
# `check --deploy` refuses it off outside demo mode.
STAFF_SECOND_FACTOR = env.bool("STAFF_SECOND_FACTOR", default=not DEMO_MODE)
# The name an authenticator app shows beside the codes.
OTP_TOTP_ISSUER = "icpportal"
# Where time travel keeps the copy of the SQLite database it goes back to; empty:
# beside the database file ("db.sqlite3.before-time-travel").
DEMO_CLOCK_SNAPSHOT = env("DEMO_CLOCK_SNAPSHOT", default="")

# The provider API: each key's requests per period (N/period, as RATELIMIT_*).
API_RATELIMIT = env.str("API_RATELIMIT", default="600/m")

# Webhooks (integrations.webhooks; docs/api.md, "Webhooks"). After a transaction that wrote provider
# events commits, these are called to deliver them (the outbox stays the record).
PROVIDER_EVENT_RECEIVERS = ["integrations.tasks.events_committed"]
# Endpoints on loopback, private or link-local addresses, and plain http://, are
# refused unless this is on (tests, the demo, the rehearsal: receivers on loopback).
WEBHOOKS_ALLOW_PRIVATE = env.bool("WEBHOOKS_ALLOW_PRIVATE", default=False)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=15.0)
# Seconds before each attempt: the Standard Webhooks schedule (at once, 5 s, 5 min,
# 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h), each wait up to 10% longer (jitter).
WEBHOOK_RETRY_SCHEDULE = env.list(
    "WEBHOOK_RETRY_SCHEDULE",
    cast=float,
    default=[0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400],
)
# An endpoint whose deliveries have failed for this long, without one success, is
# disabled and its provider's staff told on the console's front page.
WEBHOOK_DISABLE_AFTER_DAYS = env.float("WEBHOOK_DISABLE_AFTER_DAYS", default=5)
# After a secret is rotated, the old one still signs (beside the new) this long.
WEBHOOK_SECRET_GRACE_HOURS = env.float("WEBHOOK_SECRET_GRACE_HOURS", default=24)
# The event feed (GET /api/v1/events) lists an event this long after it was written:
# ids are given when a row is written, and a transaction may commit after a later
# one; waiting lets a catch-up by id never step over an event still committing.
EVENT_FEED_SETTLE_SECONDS = env.float("EVENT_FEED_SETTLE_SECONDS", default=5)

# The console's work queue lists a pending filing this many hours before its deadline.
QUEUE_DEADLINE_HOURS = env.int("QUEUE_DEADLINE_HOURS", default=6)
if not 1 <= QUEUE_DEADLINE_HOURS <= 48:
    raise ImproperlyConfigured("QUEUE_DEADLINE_HOURS must be 1 to 48.")
# The work queue lists a filing under review this many working days or fewer before its
# review deadline, and every one past it.
QUEUE_REVIEW_WORKING_DAYS = env.int("QUEUE_REVIEW_WORKING_DAYS", default=3)
if not 0 <= QUEUE_REVIEW_WORKING_DAYS <= 30:
    raise ImproperlyConfigured("QUEUE_REVIEW_WORKING_DAYS must be 0 to 30.")

# Logs: plain text by default, one JSON object per line with LOG_FORMAT=json. Mobile and
# certificate numbers are masked in every message.
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
# LOG_FILE: write the log lines to this file instead of the terminal (`make demo`).
LOG_FILE = env.str("LOG_FILE", default="")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"personal_data": {"()": "infra.logging.PersonalDataFilter"}},
    "formatters": {
        "text": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s %(client)s] "
            "%(message)s"
        },
        "json": {"()": "infra.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["personal_data"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
        if not LOG_FILE
        else {
            "class": "logging.FileHandler",
            "filename": LOG_FILE,
            "filters": ["personal_data"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # One line per task state change is noise; failures still show.
        "django.tasks": {"level": "WARNING"},
        # Django's own handlers would print a second, unfiltered copy.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# Production hardening: on whenever DEBUG is off; each can be turned off from the
# environment (e.g. SECURE_SSL_REDIRECT=false behind a proxy that already redirects).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
# The language switch's cookie: as secure as the session's, and never sent cross-site.
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "icpportal.faults.csrf_failure"
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool(
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True
)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated);
# see infra.proxies.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

if env.bool("BEHIND_TLS_PROXY", default=False):
    # The proxy terminates TLS and says so in X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Compressed, cache-busting static files in production (after collectstatic).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Public base URL of this site, used in the links of text messages.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# Background tasks (Django's tasks API). "immediate" runs a task in the process that
# enqueues it (demo, tests); "database" queues it for `manage.py db_worker`.
TASK_BACKENDS = {
    "immediate": "infra.scope.ImmediateBackend",  # each task run unscoped
    "database": "django_tasks_db.DatabaseBackend",
}
_task_backend = env.str("TASK_BACKEND", default="immediate")
TASKS = {"default": {"BACKEND": TASK_BACKENDS.get(_task_backend, _task_backend)}}

# Text messages. SMS_BACKEND: database (the outbox table is every phone; default),
# console, locmem (tests), aliyun (Alibaba Cloud SMS), tencent (Tencent Cloud SMS),
# or a dotted path. A gateway's settings are checked at start-up (verification.checks).
SMS_BACKEND = env.str("SMS_BACKEND", default="database")
# In demo mode the database outbox sits behind the training gateway, which a
# supervisor can make misbehave on /demo/training/ (demo.gateway); until then it
# delivers every text at once, as the plain outbox does.
if DEMO_MODE and SMS_BACKEND == "database":
    SMS_BACKEND = "demo.gateway.TrainingGateway"
# Deadline extensions one submission may get without a supervisor: how many, and
# how many hours in all (docs/operations.md, "Security").
DEADLINE_EXTENSIONS_MAX = env.int("DEADLINE_EXTENSIONS_MAX", default=2)
DEADLINE_EXTENSION_MAX_HOURS = env.int("DEADLINE_EXTENSION_MAX_HOURS", default=72)
SMS_MAX_ATTEMPTS = env.int("SMS_MAX_ATTEMPTS", default=5)
SMS_RETRY_DELAY_SECONDS = env.int("SMS_RETRY_DELAY_SECONDS", default=30)
# A message still "sending" this long after its attempt began had its worker die
# mid-send; the deadline sweep then settles it (docs/verification.md, "Text messages").
SMS_INTERRUPTED_AFTER_SECONDS = env.int("SMS_INTERRUPTED_AFTER_SECONDS", default=600)
# A message still "queued" this long after it was queued (or after its last failed
# attempt) with no task waiting to send it lost its task (a worker killed right after
# taking it); the deadline sweep queues it again (docs/verification.md, "Text messages").
SMS_STALE_QUEUED_SECONDS = env.int("SMS_STALE_QUEUED_SECONDS", default=120)
# A task row still "running" this long after a worker took it had that worker die:
# the sweeps mark it failed (no task of this app runs for minutes).
TASK_STALE_RUNNING_SECONDS = env.int("TASK_STALE_RUNNING_SECONDS", default=900)
ALIYUN_SMS_ACCESS_KEY_ID = env.str("ALIYUN_SMS_ACCESS_KEY_ID", default="")
ALIYUN_SMS_ACCESS_KEY_SECRET = env.str("ALIYUN_SMS_ACCESS_KEY_SECRET", default="")
ALIYUN_SMS_SIGN_NAME = env.str("ALIYUN_SMS_SIGN_NAME", default="")
ALIYUN_SMS_TEMPLATE_CODE = env.str("ALIYUN_SMS_TEMPLATE_CODE", default="")
ALIYUN_SMS_ENDPOINT = env.str(
    "ALIYUN_SMS_ENDPOINT", default="https://dysmsapi.aliyuncs.com/"
)
ALIYUN_SMS_TIMEOUT = env.float("ALIYUN_SMS_TIMEOUT", default=5.0)
TENCENT_SMS_SECRET_ID = env.str("TENCENT_SMS_SECRET_ID", default="")
TENCENT_SMS_SECRET_KEY = env.str("TENCENT_SMS_SECRET_KEY", default="")
TENCENT_SMS_SDK_APP_ID = env.str("TENCENT_SMS_SDK_APP_ID", default="")
TENCENT_SMS_SIGN_NAME = env.str("TENCENT_SMS_SIGN_NAME", default="")
TENCENT_SMS_TEMPLATE_ID = env.str("TENCENT_SMS_TEMPLATE_ID", default="")
TENCENT_SMS_REGION = env.str("TENCENT_SMS_REGION", default="ap-guangzhou")
TENCENT_SMS_ENDPOINT = env.str(
    "TENCENT_SMS_ENDPOINT", default="https://sms.tencentcloudapi.com/"
)
TENCENT_SMS_TIMEOUT = env.float("TENCENT_SMS_TIMEOUT", default=5.0)
# Delivery receipts of the real gateways (docs/sms-receipts.md). With them on, a
# text the gateway took counts as delivered only on its receipt: pushed by the
# gateway to /sms/receipts/<vendor>/<SMS_RECEIPT_SECRET>/, or pulled by the sweep
# SMS_RECEIPT_PULL_AFTER_SECONDS after the send, again after as long, up to
# SMS_RECEIPT_PULL_TRIES times; with none then, its delivery is "unknown".
SMS_DELIVERY_RECEIPTS = env.bool("SMS_DELIVERY_RECEIPTS", default=True)
SMS_RECEIPT_SECRET = env.str("SMS_RECEIPT_SECRET", default="")
SMS_RECEIPT_PULL_AFTER_SECONDS = env.int("SMS_RECEIPT_PULL_AFTER_SECONDS", default=600)
SMS_RECEIPT_PULL_TRIES = env.int("SMS_RECEIPT_PULL_TRIES", default=3)
# A push larger than this many bytes, or of more reports, is refused (413).
SMS_RECEIPT_MAX_BYTES = env.int("SMS_RECEIPT_MAX_BYTES", default=1_048_576)
SMS_RECEIPT_MAX_REPORTS = env.int("SMS_RECEIPT_MAX_REPORTS", default=1000)
for _name, _low, _high in (
    ("SMS_RECEIPT_PULL_AFTER_SECONDS", 60, 86_400),
    ("SMS_RECEIPT_PULL_TRIES", 1, 20),
    ("SMS_RECEIPT_MAX_BYTES", 1024, 10 * 1_048_576),
    ("SMS_RECEIPT_MAX_REPORTS", 1, 10_000),
):
    if not _low <= globals()[_name] <= _high:
        raise ImproperlyConfigured(f"{_name} must be {_low} to {_high}.")

# Key of the HMAC that verification codes and certificate tails are stored under;
# derived from SECRET_KEY when empty. Changing it invalidates every code that is out
# (then run manage.py rehash_certificates).
VERIFICATION_CODE_SECRET = env.str("VERIFICATION_CODE_SECRET", default="")

# Throttles on the verify and resend pages (docs/verification.md, "Throttles").
RATELIMIT_ENABLED = env.bool("RATELIMIT_ENABLED", default=True)
RATELIMITS = {
    "verify_per_mobile": env.str("RATELIMIT_VERIFY_PER_MOBILE", default="10/h"),
    "verify_per_ip": env.str("RATELIMIT_VERIFY_PER_IP", default="30/h"),
    "resend_per_mobile": env.str("RATELIMIT_RESEND_PER_MOBILE", default="5/h"),
    "resend_per_ip": env.str("RATELIMIT_RESEND_PER_IP", default="10/h"),
    "lookup_per_mobile": env.str("RATELIMIT_LOOKUP_PER_MOBILE", default="10/h"),
    "lookup_per_ip": env.str("RATELIMIT_LOOKUP_PER_IP", default="30/h"),
}

# How many automatic resends the deadline sweep sends per transaction (expiry is
# set-based and takes one transaction whatever the count).
DEADLINE_BATCH_SIZE = env.int("DEADLINE_BATCH_SIZE", default=1000)

# The correction window of a check of contact details after approval
# (verification.contact_checks): days the contacts have to confirm their mobiles.
CONTACT_CHECK_WINDOW_DAYS = env.int("CONTACT_CHECK_WINDOW_DAYS", default=7)
if not 1 <= CONTACT_CHECK_WINDOW_DAYS <= 90:
    raise ImproperlyConfigured("CONTACT_CHECK_WINDOW_DAYS must be 1 to 90.")

# The simulated communications administration (verification.administration): the
# deadline sweep decides the filings under review after a delay. On in the demo, off
# in production unless set.
SIMULATED_ADMINISTRATION = env.bool("SIMULATED_ADMINISTRATION", default=DEMO_MODE)
SIMULATED_REVIEW_WORKING_DAYS = env.int("SIMULATED_REVIEW_WORKING_DAYS", default=3)
if not 1 <= SIMULATED_REVIEW_WORKING_DAYS <= 30:
    raise ImproperlyConfigured("SIMULATED_REVIEW_WORKING_DAYS must be 1 to 30.")
# The filings it leaves alone: a function returning their ids (a queryset), here the
# training scenarios' filings, which stay as their story built them.
SIMULATED_REVIEW_SKIP = env.str(
    "SIMULATED_REVIEW_SKIP", default="demo.training.filings_in_training"
)
# Minutes instead of working days (a demo's reviews in minutes); unset: working days.
SIMULATED_REVIEW_MINUTES = env.int(
    "SIMULATED_REVIEW_MINUTES", default=10 if DEMO_MODE else None
)
if SIMULATED_REVIEW_MINUTES is not None and not (
    0 <= SIMULATED_REVIEW_MINUTES <= 60 * 24 * 30
):
    raise ImproperlyConfigured("SIMULATED_REVIEW_MINUTES must be 0 to 43200.")
# The providers' sandbox (a test key's filings) is always reviewed by the simulated
# administration, this many minutes after a filing enters review.
SANDBOX_REVIEW_MINUTES = env.int("SANDBOX_REVIEW_MINUTES", default=2)
if not 0 <= SANDBOX_REVIEW_MINUTES <= 60 * 24:
    raise ImproperlyConfigured("SANDBOX_REVIEW_MINUTES must be 0 to 1440.")
