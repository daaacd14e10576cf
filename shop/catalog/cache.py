"""The catalogue's version: cached catalogue reads and page fragments are keyed by it, and any
change to a category, product or variant starts a new version, so nothing cached before the
change is read again.

The version changes at once (for what the changing transaction renders itself) and again after
commit: a page rendered by another request between the two read the rows as they were, and the
second change makes sure what it cached is never used.
"""

import secrets

from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "catalogue:version"
#: Longest life of anything cached under a version. A change shows at once where the cache is
#: shared (Redis); with a cache per process (local memory), other processes show it after this.
CATALOGUE_CACHE_SECONDS = 300


def catalogue_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, secrets.token_hex(6), timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def _new_version() -> None:
    cache.set(VERSION_KEY, secrets.token_hex(6), timeout=None)


def catalogue_changed() -> None:
    _new_version()
    transaction.on_commit(_new_version)


def catalogue_cached(name: str, vary_on: tuple, compute, *, version: str = ""):
    """`compute()`, cached under the catalogue version (the current one unless given), `name`
    and `vary_on`. A None result is not cached."""
    key = ":".join(["catalogue", version or catalogue_version(), name, *map(str, vary_on)])
    value = cache.get(key)
    if value is None:
        value = compute()
        if value is not None:
            cache.set(key, value, CATALOGUE_CACHE_SECONDS)
    return value


def catalogue_cache_context(version: str = "") -> dict:
    """What templates cache catalogue fragments with: `version` and `seconds`."""
    return {"version": version or catalogue_version(), "seconds": CATALOGUE_CACHE_SECONDS}
