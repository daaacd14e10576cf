"""The till that keeps selling offline: its page (a shell the service worker keeps) and the
service worker itself. The page reads and writes through the API; its catalogue, prices,
stock and outbox of sales live in the browser's IndexedDB."""

import json

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from channels_app.js_catalogue import catalogue_urls
from channels_app.views.pos.access import pos_view


@require_GET
@pos_view
def offline_till(request, store):
    return render(request, "pos/offline_till.html", {"store": store})


NOT_KEPT = gettext_noop("The till has not been opened on this device with the network yet.")


def _not_kept() -> dict[str, str]:
    """What the worker answers, in each language, for a till page it has no copy of."""
    texts = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts[code] = gettext(NOT_KEPT)
    return texts


@require_GET
@never_cache
def service_worker(request):
    """Served under /pos/ so that it may control the till's pages (a worker's scope is its own
    folder); never cached, so a new version is picked up on the next visit. It is given the
    URLs of the scripts' translations to keep: a new catalogue makes a new worker, which keeps
    the new ones."""
    with open(finders.find("js/till_sw.js"), encoding="utf-8") as script:
        source = script.read()
    catalogues = json.dumps(catalogue_urls())
    source = source.replace("var CATALOGUES = [];", f"var CATALOGUES = {catalogues};")
    source = source.replace("var NOT_KEPT = {};", f"var NOT_KEPT = {json.dumps(_not_kept())};")
    response = HttpResponse(source, content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/pos/"
    return response
