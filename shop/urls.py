from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/", include("channels_app.api.urls")),
    path("pos/", include("channels_app.pos_urls")),
    path("", include("channels_app.urls")),
]
