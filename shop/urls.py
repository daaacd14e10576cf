from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from shop import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/", include("channels_app.api.urls")),
    path("pos/", include("channels_app.pos_urls")),
    path("", include("channels_app.urls")),
]

if settings.PROMETHEUS_METRICS:
    from shop.metrics import metrics_view

    urlpatterns.insert(0, path("metrics", metrics_view, name="metrics"))
