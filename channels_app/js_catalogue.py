"""The translations of the scripts (the `djangojs` catalogue), served by Django's
`JavaScriptCatalog` at a URL that names the language and a version of the compiled
catalogues: `/jsi18n/<version>/fr.js`.

A changed catalogue gets a new URL, so a served one never changes: browsers keep it for a year
without asking again, the server builds it once per process (the cache), and the till's service
worker keeps it for offline use under a name that cannot go stale. Only the pages whose scripts
show text load it (`{% js_catalogue %}`, deferred); the storefront's pages do not."""

import hashlib
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.dispatch import receiver
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.autoreload import file_changed
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from django.views.i18n import JavaScriptCatalog

from channels_app.language import supported

#: Our own scripts' strings only (locale/), not those of the admin or other installed apps.
PACKAGES = ["channels_app"]
ONE_YEAR = 60 * 60 * 24 * 365


@lru_cache(maxsize=1)
def catalogue_version() -> str:
    """A digest of the compiled `djangojs` catalogues: it changes when a translation does."""
    digest = hashlib.sha256()
    for folder in settings.LOCALE_PATHS:
        for mo_path in sorted(Path(folder).glob("*/LC_MESSAGES/djangojs.mo")):
            digest.update(str(mo_path.parent.parent.name).encode())
            digest.update(mo_path.read_bytes())
    return digest.hexdigest()[:12]


@receiver(file_changed)
def _catalogue_recompiled(sender, file_path, **kwargs) -> None:
    """`runserver` keeps running when a .mo changes (Django reloads the translations): the
    version follows, so pages name the new catalogue."""
    if Path(file_path).suffix == ".mo":
        catalogue_version.cache_clear()


def catalogue_url(language: str) -> str:
    return reverse("js-catalogue", kwargs={"version": catalogue_version(), "language": language})


def catalogue_urls() -> list[str]:
    """One per language of the site: what the till's service worker keeps for offline use."""
    return [catalogue_url(code) for code, _name in settings.LANGUAGES]


def _catalogue_script(request, language: str) -> bytes:
    with translation.override(language):
        view = JavaScriptCatalog.as_view(domain="djangojs", packages=PACKAGES)
        return view(request).content


@require_GET
@cache_control(public=True, max_age=ONE_YEAR, immutable=True)
def js_catalogue(request, version: str, language: str) -> HttpResponse:
    language = supported(language)
    if language is None:
        raise Http404("No such language")
    if version != catalogue_version():  # a page from before a deployment: today's catalogue
        return redirect(catalogue_url(language))
    key = f"js-catalogue:{version}:{language}"
    script = cache.get(key)
    if script is None:
        script = _catalogue_script(request, language)
        cache.set(key, script, None)
    # The language middleware read the session, but the answer depends on the URL alone: no
    # `Vary: Cookie`, which would keep browsers and the service worker from reusing it.
    session = getattr(request, "session", None)
    if session is not None:
        session.accessed = False
    response = HttpResponse(script, content_type="text/javascript; charset=utf-8")
    response["Content-Language"] = language
    return response
