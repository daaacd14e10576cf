from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

# The admin signs in through allauth's pages: its rate limits and the second factor apply.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/", include("channels_app.api.urls")),
    path("pos/", include("channels_app.pos_urls")),
    path("", include("channels_app.urls")),
]
