from django.urls import path

from channels_app.views import manage

app_name = "manage"

urlpatterns = [
    path("", manage.dashboard, name="dashboard"),
    path("export/<slug:name>.csv", manage.export, name="export"),
]
