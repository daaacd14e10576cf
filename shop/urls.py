from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from channels_app.js_catalogue import js_catalogue
from shop import health

# The admin signs in through allauth's pages: its rate limits and the second factor apply.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/", include("channels_app.api.urls")),
    path("pos/", include("channels_app.pos_urls")),
    path("manage/", include("channels_app.manage_urls")),
    path("kiosk/", include("channels_app.kiosk_urls")),
    path("jsi18n/<str:version>/<str:language>.js", js_catalogue, name="js-catalogue"),
    path("", include("channels_app.urls")),
]

if settings.DEBUG:  # uploaded pictures, for `make run`; production serves them elsewhere
    from django.conf.urls.static import static

    urlpatterns = static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT) + urlpatterns

if settings.PROMETHEUS_METRICS:
    from shop.metrics import metrics_view

    urlpatterns.insert(0, path("metrics", metrics_view, name="metrics"))
