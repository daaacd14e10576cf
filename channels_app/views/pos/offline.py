"""The till that keeps selling offline: its page (a shell the service worker keeps) and the
service worker itself. The page reads and writes through the API; its catalogue, prices,
stock and outbox of sales live in the browser's IndexedDB."""

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from channels_app.views.pos.access import pos_view


@require_GET
@pos_view
def offline_till(request, store):
    return render(request, "pos/offline_till.html", {"store": store})


@require_GET
@never_cache
def service_worker(request):
    """Served under /pos/ so that it may control the till's pages (a worker's scope is its own
    folder); never cached, so a new version is picked up on the next visit."""
    with open(finders.find("js/till_sw.js"), encoding="utf-8") as script:
        response = HttpResponse(script.read(), content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/pos/"
    return response
