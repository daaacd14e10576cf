"""The shop's URLs plus the page benchmark's reference view, which the shop never ships."""

import os

from django.http import HttpResponse
from django.urls import include, path

from inventory.models import Location


def bare_view(request):
    """The least a database-backed Django page does: one query, a small response.

    The body names the worker process, so the benchmark can spread its keep-alive
    connections evenly over the gunicorn workers."""
    location = Location.objects.only("id").first()
    return HttpResponse(
        f"ok {location.pk if location else 0} pid {os.getpid()}\n",
        content_type="text/plain",
    )


urlpatterns = [
    path("__bench__/bare/", bare_view),
    path("", include("shop.urls")),
]
