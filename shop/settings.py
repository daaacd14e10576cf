"""Omnistore settings, read from the environment with working development defaults.

Nothing set: SQLite in the project folder, Celery tasks run in-process, emails on the console.
DJANGO_ENV=production: refuses to start without a real SECRET_KEY and ALLOWED_HOSTS and turns
on the deployment hardening that `manage.py check --deploy` asks for.
"""

import ipaddress
import warnings
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

PRODUCTION = env("DJANGO_ENV", default="development") == "production"
DEV_SECRET_KEY = "dev-only-insecure-key-omnistore-do-not-use-in-production"

DEBUG = env.bool("DJANGO_DEBUG", default=not PRODUCTION)
SECRET_KEY = env("SECRET_KEY", default=DEV_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

if PRODUCTION:
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("Production needs SECRET_KEY: 50 or more random characters.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Production needs ALLOWED_HOSTS (comma-separated host names).")

INSTALLED_APPS = [
    # Before the admin: product names and descriptions per language (shop/catalog/translation.py).
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Operator classes in index definitions (search indexes); harmless on SQLite.
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "imagekit",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "shop.catalog",
    "shop.customers",
    "shop.orders",
    "shop.staff",
    "shop.outbox",
    "shop.payments",
    "shop.journal",
    "shop.shipping",
    "inventory",
    "carts",
    "shop.support",
    "shop.marketing",
    "channels_app",
]

MIDDLEWARE = [
    "shop.request_id.request_id_middleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "channels_app.middleware.InputGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "channels_app.language.customer_language_middleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "shop.staff.mfa.StaffMfaMiddleware",
]

ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url_config(
        env("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    )
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# Behind PgBouncer in transaction mode, server-side cursors (iterator()) must be off.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool(
    "DISABLE_SERVER_SIDE_CURSORS", default=False
)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server and a worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Local memory by default: one cache per process, fine for development. With several processes
# (gunicorn workers, Celery) a change another process makes shows after the cached entry's
# lifetime at the latest; production sets CACHE_URL=redis://... (Django's Redis backend).
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_UNIQUE_EMAIL = True
#: Sign-up also asks for consent to marketing email (cart reminders, offers).
ACCOUNT_SIGNUP_FORM_CLASS = "channels_app.signup.SignupConsentForm"
#: allauth's own limits on the sign-in pages (the cache holds the counts): a sign-in per
#: address, and failed sign-ins per address and per account. Past `login_failed`'s per-account
#: rate, that account cannot sign in for the window, even with the right password.
ACCOUNT_RATE_LIMITS = {
    "login": env("RATE_LIMIT_LOGIN", default="30/m/ip"),
    "login_failed": env("RATE_LIMIT_LOGIN_FAILED", default="10/m/ip,5/15m/key"),
    "signup": env("RATE_LIMIT_SIGNUP", default="20/m/ip"),
    "reset_password": env("RATE_LIMIT_RESET_PASSWORD", default="20/m/ip,5/m/key"),
}

LANGUAGE_CODE = "en"
#: The languages of every page, email and receipt: the request's Accept-Language picks one,
#: the switcher (a cookie) or a signed-in customer's saved choice overrides it.
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
# modeltranslation renames the per-language copies of unnamed indexes, and says so: harmless.
warnings.filterwarnings("ignore", message="Index name .* exceeds 30", category=UserWarning)
TIME_ZONE = env("TIME_ZONE", default="Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (product pictures and their thumbnails): local files under MEDIA_ROOT, served
# by `runserver` in DEBUG; MEDIA_STORAGE="storages.backends.s3.S3Storage" (django-storages,
# configured by its AWS_* settings) puts them in an S3-compatible bucket instead.
MEDIA_URL = env("MEDIA_URL", default="/media/")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {
        "BACKEND": env("MEDIA_STORAGE", default="django.core.files.storage.FileSystemStorage")
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

#: Thumbnails are made when a picture is saved, and their URLs computed without a storage call.
IMAGEKIT_DEFAULT_CACHEFILE_STRATEGY = "imagekit.cachefiles.strategies.Optimistic"

# --- Shop -----------------------------------------------------------------------------------
SHOP_NAME = env("SHOP_NAME", default="Omnistore")
SHOP_CURRENCY = env("SHOP_CURRENCY", default="EUR")
#: Seconds a kiosk screen waits untouched before it clears its cart and starts again.
KIOSK_IDLE_SECONDS = env.int("KIOSK_IDLE_SECONDS", default=90)
#: The shop's public address: the links of product feeds and emails start with it.
SHOP_BASE_URL = env("SHOP_BASE_URL", default="http://127.0.0.1:8000")
#: Taxes and the seller's legal details (receipts, invoices, the sales journal).
SHOP_COUNTRY = env("SHOP_COUNTRY", default="FR")
#: VAT rates (percent) per country and tax class; a product's tax class picks one.
VAT_RATES = {
    "FR": {
        "standard": "20",
        "intermediate": "10",
        "reduced": "5.5",
        "super_reduced": "2.1",
        "zero": "0",
    },
    "BE": {
        "standard": "21",
        "intermediate": "12",
        "reduced": "6",
        "super_reduced": "6",
        "zero": "0",
    },
    "DE": {
        "standard": "19",
        "intermediate": "7",
        "reduced": "7",
        "super_reduced": "7",
        "zero": "0",
    },
}
#: Prices include VAT (B2C); False: catalog prices are net and VAT is added at the end.
PRICES_INCLUDE_TAX = env.bool("PRICES_INCLUDE_TAX", default=True)
SELLER_NAME = env("SELLER_NAME", default="Omnistore SAS")
SELLER_ADDRESS = env("SELLER_ADDRESS", default="1 rue de la Paix, 75002 Paris, France")
#: Company registration (SIRET in France) and intra-EU VAT number, printed on every receipt.
SELLER_REGISTRATION = env("SELLER_REGISTRATION", default="SIRET 123 456 789 00012")
SELLER_VAT_NUMBER = env("SELLER_VAT_NUMBER", default="FR32123456789")
#: Attach the PDF invoice to order confirmation and till receipt emails.
INVOICE_PDF_IN_EMAIL = env.bool("INVOICE_PDF_IN_EMAIL", default=False)
#: Month (1-12) the fiscal year starts: yearly closings run from it.
FISCAL_YEAR_START_MONTH = env.int("FISCAL_YEAR_START_MONTH", default=1)
#: Key that signs sales journal archives (export_sales_journal); SECRET_KEY when unset.
SALES_JOURNAL_SIGNING_KEY = env("SALES_JOURNAL_SIGNING_KEY", default="")
#: Largest quantity one stock operation or cart line accepts; anything above is a typo.
MAX_LINE_QUANTITY = env.int("MAX_LINE_QUANTITY", default=10_000)
#: Largest quantity of one item in a cart or a till sale.
MAX_CART_LINE_QUANTITY = env.int("MAX_CART_LINE_QUANTITY", default=50)
#: Days a click-and-collect order waits at the store before it expires.
PICKUP_DAYS = env.int("PICKUP_DAYS", default=3)
#: Days a transfer between locations takes: an order line re-sourced from another location
#: after a pick failure is ready this much later.
TRANSFER_DAYS = env.int("TRANSFER_DAYS", default=2)
#: Open click-and-collect orders to be paid at pickup, at most, per email, customer or session.
MAX_UNPAID_COLLECT_ORDERS = env.int("MAX_UNPAID_COLLECT_ORDERS", default=3)
#: Goods total (after discounts, taxes included) from which delivery is free on every method
#: that allows it; empty: no free delivery.
SHIPPING_FREE_ABOVE = env("SHIPPING_FREE_ABOVE", default="60.00")
#: How long a checkout may take to pay before its held stock lapses.
PAYMENT_WINDOW = timedelta(minutes=env.int("PAYMENT_WINDOW_MINUTES", default=15))
#: The card gateway: the test gateway (test card tokens, no money moves) until a real one is set.
TEST_PAYMENT_GATEWAY = "shop.payments.gateways.TestCardGateway"
PAYMENT_GATEWAY = env("PAYMENT_GATEWAY", default=TEST_PAYMENT_GATEWAY)
if PRODUCTION and PAYMENT_GATEWAY == TEST_PAYMENT_GATEWAY:
    raise ImproperlyConfigured(
        "Production needs a real card gateway in PAYMENT_GATEWAY: the test gateway moves no money."
    )
#: How long a deliverer holds an outbox message before another may try it (a worker killed
#: mid-delivery is replaced after this).
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=300)
#: Tries before an outbox message is marked failed for a manager to look at.
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=10)
#: Stripe (PAYMENT_GATEWAY=shop.payments.stripe_gateway.StripeGateway): the secret key for
#: the server, the publishable key for Stripe.js, the webhook's signing secret.
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_TIMEOUT_SECONDS = env.int("STRIPE_TIMEOUT_SECONDS", default=20)
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)
if (
    PRODUCTION
    and PAYMENT_GATEWAY.endswith(".StripeGateway")
    and not (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET)
):
    raise ImproperlyConfigured(
        "The Stripe gateway needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET."
    )
#: Days a gift card can be spent after it is issued (0: it never expires).
GIFT_CARD_VALID_DAYS = env.int("GIFT_CARD_VALID_DAYS", default=0)
#: The smallest and largest gift card a manager issues in one go.
GIFT_CARD_MIN = Decimal(env.str("GIFT_CARD_MIN", default="1.00"))
GIFT_CARD_MAX = Decimal(env.str("GIFT_CARD_MAX", default="1000.00"))

#: Service requests. Replies to a ticket's emails go to `support+<token>@SUPPORT_REPLY_DOMAIN`:
#: that domain's mail is piped to `manage.py receive_email` or posted to /api/inbound-email/.
SUPPORT_REPLY_DOMAIN = env("SUPPORT_REPLY_DOMAIN", default="omnistore.local")
SUPPORT_FROM_EMAIL = env(
    "SUPPORT_FROM_EMAIL", default=f"{SHOP_NAME} support <support@{SUPPORT_REPLY_DOMAIN}>"
)
#: Largest raw email /api/inbound-email/ accepts (bytes); attachments count.
SUPPORT_INBOUND_MAX_BYTES = env.int("SUPPORT_INBOUND_MAX_BYTES", default=25 * 1024 * 1024)

#: Abandoned-cart reminders (shop.marketing). Off: the job does nothing.
CART_REMINDERS_ENABLED = env.bool("CART_REMINDERS_ENABLED", default=True)
#: Minutes a cart with lines and a known email stays untouched before its one reminder.
CART_REMINDER_AFTER_MINUTES = env.int("CART_REMINDER_AFTER_MINUTES", default=60)
#: Carts idle longer than this are left alone (and never looked at again).
CART_REMINDER_LOOKBACK_DAYS = env.int("CART_REMINDER_LOOKBACK_DAYS", default=7)
#: The first-order code of a reminder: percent off, and days it stays valid.
CART_REMINDER_CODE_PERCENT = env.int("CART_REMINDER_CODE_PERCENT", default=10)
CART_REMINDER_CODE_DAYS = env.int("CART_REMINDER_CODE_DAYS", default=7)
#: Days the restore link of a reminder works, and within which an order counts as recovered.
CART_REMINDER_LINK_DAYS = env.int("CART_REMINDER_LINK_DAYS", default=14)
#: Carts one run of the job looks at, at most (the next run takes the rest).
CART_REMINDER_BATCH = env.int("CART_REMINDER_BATCH", default=500)
#: Recommendations: customers two items must share before they count as similar.
RECOMMENDATION_MIN_SUPPORT = env.int("RECOMMENDATION_MIN_SUPPORT", default=2)
#: The shop's public address, for links in emails.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# --- Staff access ---------------------------------------------------------------------------
#: Second factors (allauth.mfa): an authenticator app, with recovery codes for a lost phone.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SHOP_NAME
#: Pages that anyone with back-office access (managers, superusers) may open only once they
#: have enrolled an authenticator app; until then they are sent to enrol. Clerks may enrol
#: (/accounts/2fa/) but are not made to.
MFA_REQUIRED_PATHS = env.list("MFA_REQUIRED_PATHS", default=["/admin/", "/manage/"])

# --- Abuse limits ---------------------------------------------------------------------------
#: Proxies in front of the app that append to X-Forwarded-For. 0: the client address is the
#: connection's (X-Forwarded-For is ignored, since anyone can send it). The throttles below and
#: allauth's sign-in limits read the address the same way.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = NUM_PROXIES
#: Requests per scope ("n/second|minute|hour|day"), counted in the cache: per signed-in user,
#: else per client address; `token` per address and `token_username` per username named;
#: `ticket_open` counts only anonymous visitors, per address.
#: THROTTLE_RATES="checkout=5/minute,cart=60/minute" overrides some of them.
THROTTLE_RATES = {
    "token": "30/minute",
    "token_username": "10/minute",
    "checkout": "10/minute",
    "cart": "120/minute",
    "promotion_code": "10/minute",
    "handoff_lookup": "30/minute",
    "gift_card_lookup": "10/minute",
    "ticket_open": "10/hour",
} | env.dict("THROTTLE_RATES", default={})
#: Failed token requests for one username that lock it, and for how long: while locked, even
#: the right password gets a 429.
TOKEN_LOCKOUT_ATTEMPTS = env.int("TOKEN_LOCKOUT_ATTEMPTS", default=5)
TOKEN_LOCKOUT_MINUTES = env.int("TOKEN_LOCKOUT_MINUTES", default=15)

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PARSER_CLASSES": [
        "channels_app.api.parsers.JSONObjectParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "channels_app.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": THROTTLE_RATES,
    "NUM_PROXIES": NUM_PROXIES,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Omnistore API",
    "DESCRIPTION": "One customer, one cart and one stock for every sales channel.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI assets come from the installed sidecar package, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "OrderFulfilmentEnum": "shop.orders.models.Order.Fulfilment",
        "OrderStatusEnum": "shop.orders.models.Order.Status",
        "CheckoutFulfilmentEnum": ["delivery", "collect"],
        "TillPaymentMethodEnum": ["cash", "card"],
        "ChannelEnum": "shop.channels.Channel",
        "TicketChannelEnum": "shop.support.models.CHANNEL_CHOICES",
        "TicketStatusEnum": "shop.support.models.Ticket.Status",
    },
}

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
# Without a broker, tasks run in-process (still after commit, since they are enqueued on_commit).
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# A request publishes its tasks after commit and must not wait long for a broker that is down:
# the outbox rows it wrote are delivered by the sweeper instead.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=1.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 2}
CELERY_BEAT_SCHEDULE = {
    "deliver-due-outbox": {
        "task": "shop.outbox.tasks.deliver_due_outbox",
        "schedule": timedelta(minutes=1),
    },
    "release-expired-reservations": {
        "task": "inventory.tasks.release_expired_reservations",
        "schedule": timedelta(minutes=5),
    },
    "fail-abandoned-checkouts": {
        "task": "carts.tasks.fail_abandoned_checkouts",
        "schedule": timedelta(minutes=10),
    },
    "flush-product-views": {
        "task": "shop.customers.tasks.flush_product_views",
        "schedule": timedelta(minutes=1),
    },
    "rebuild-feeds": {
        "task": "channels_app.tasks.rebuild_feeds",
        "schedule": timedelta(minutes=1),
    },
    "expire-overdue-pickups": {
        "task": "shop.orders.tasks.expire_overdue_pickups",
        "schedule": timedelta(minutes=15),
    },
    "send-cart-reminders": {
        "task": "shop.marketing.tasks.send_cart_reminders",
        "schedule": timedelta(minutes=5),
    },
    "build-recommendations": {
        "task": "shop.marketing.tasks.build_recommendations",
        "schedule": timedelta(hours=6),
    },
    "expire-gift-cards": {
        "task": "shop.payments.tasks.expire_gift_cards",
        "schedule": timedelta(hours=1),
    },
}

# --- Measurement: touches, attribution, reports ----------------------------------------------
#: Touches older than this many days before an order do not share its credit.
ATTRIBUTION_LOOKBACK_DAYS = env.int("ATTRIBUTION_LOOKBACK_DAYS", default=30)
#: Days of rollups the refresh every 6 hours rebuilds (orders are collected, cancelled and
#: returned for weeks); the one every 15 minutes rebuilds the last REPORTS_REFRESH_RECENT_DAYS.
REPORTS_REFRESH_DAYS = env.int("REPORTS_REFRESH_DAYS", default=35)
REPORTS_REFRESH_RECENT_DAYS = env.int("REPORTS_REFRESH_RECENT_DAYS", default=2)
#: A location's stock with this many units or fewer for sale is listed as low on the dashboard.
LOW_STOCK_UNITS = env.int("LOW_STOCK_UNITS", default=3)
MIDDLEWARE.append("channels_app.attribution.TouchMiddleware")
CELERY_BEAT_SCHEDULE["refresh-recent-reports"] = {
    "task": "shop.marketing.tasks.refresh_reports",
    "schedule": timedelta(minutes=15),
    "kwargs": {"recent": True},
}
#: The dashboard's stock value and low stock are this old at most (beat recomputes them).
STOCK_REPORTS_REFRESH_SECONDS = env.int("STOCK_REPORTS_REFRESH_SECONDS", default=300)
CELERY_BEAT_SCHEDULE["refresh-stock-reports"] = {
    "task": "inventory.tasks.refresh_stock_reports",
    "schedule": timedelta(seconds=STOCK_REPORTS_REFRESH_SECONDS),
}
CELERY_BEAT_SCHEDULE["refresh-reports"] = {
    "task": "shop.marketing.tasks.refresh_reports",
    "schedule": timedelta(hours=6),
}
# Hourly, so the day just ended is closed soon after midnight; a period is closed once.
CELERY_BEAT_SCHEDULE["close-sales-periods"] = {
    "task": "shop.journal.tasks.close_sales_periods",
    "schedule": timedelta(hours=1),
}

# --- Email ----------------------------------------------------------------------------------
if env("EMAIL_HOST", default=""):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": env("EMAIL_HOST"),
                "port": env.int("EMAIL_PORT", default=587),
                "username": env("EMAIL_HOST_USER", default=""),
                "password": env("EMAIL_HOST_PASSWORD", default=""),
                "use_tls": env.bool("EMAIL_USE_TLS", default=True),
                # Well within OUTBOX_LEASE_SECONDS: a mail server that hangs fails the attempt
                # (the outbox tries again later) instead of outlasting the lease, when another
                # worker would send the same email again.
                "timeout": env.int("EMAIL_TIMEOUT", default=30),
            },
        }
    }
elif env("EMAIL_FILE_PATH", default=""):
    # Every outgoing email written as a file into that folder: for demos and end-to-end tests.
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": env("EMAIL_FILE_PATH")},
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Omnistore <shop@omnistore.local>")

# --- Operations: logs, probes, metrics ------------------------------------------------------
#: "json": one JSON object a line, for a log shipper; "text" (the default): for people.
LOG_FORMAT = env("LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "shop.request_id.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # Django's records go to the one handler above (with the request id), not to its own too.
    "loggers": {"django": {"handlers": [], "level": "INFO"}},
}
#: Prometheus metrics: the middleware and GET /metrics exist only when this is on.
PROMETHEUS_METRICS = env.bool("PROMETHEUS_METRICS", default=False)
#: Where the scraper may connect from, as the app server sees it (no reverse proxy between).
PROMETHEUS_METRICS_ALLOWED_NETWORKS = [
    ipaddress.ip_network(network, strict=False)
    for network in env.list("PROMETHEUS_METRICS_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1"])
]
if PROMETHEUS_METRICS:
    MIDDLEWARE.insert(1, "shop.metrics.metrics_middleware")
# Probes and the scraper talk plain HTTP to the app server from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^(healthz|readyz|metrics)$"]

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
