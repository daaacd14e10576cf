"""Idempotency keys: a repeated request with the same key does the work once.

The key is claimed in one INSERT before the work starts, so a concurrent retry sees it at once
(in progress). Then, by default, the work and the stored result commit in ONE transaction: the
key is done exactly when the work is, a failure rolls both back (and frees the key, since
nothing changed), and a key whose request died is taken over safely, because finishing needs
the claim's owner token still in place. Work that spans several transactions (a card checkout:
reserve, charge, place) runs with `atomic=False`: a domain error frees the key (those leave
nothing behind), any other failure leaves it in progress, never free, since part of the work
may have committed; it is taken over only when its request can no longer be running.

`run_idempotent` is the mechanism, usable from any view: the checkout page sends the key in a
hidden form field, the API in the `Idempotency-Key` header (`channels_app.api.idempotency`).
"""

import hashlib
import json
import secrets
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from channels_app.models import IdempotencyKey
from shop.errors import Conflict, DomainError

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
#: A key left "processing" this long belongs to a request that died; it may be taken over.
#: One-transaction work cannot finish after a takeover (the owner token is checked), so a
#: short wait is safe; work of several transactions waits until its request cannot be alive.
STALE_AFTER = timedelta(minutes=2)


def _stale_after(atomic: bool) -> timedelta:
    return STALE_AFTER if atomic else 2 * settings.PAYMENT_WINDOW + STALE_AFTER


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"
    default_message = "This Idempotency-Key was already used with a different request."


class IdempotencyKeyInProgress(Conflict):
    code = "idempotency_key_in_progress"
    default_message = "A request with this Idempotency-Key is still running."


def request_scope(request) -> str:
    """Whose key it is: the signed-in user's, or the browser session's."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    if not request.session.session_key:
        request.session.save()
    return f"session:{request.session.session_key}"


def fingerprint(method: str, path: str, data: Any) -> str:
    """SHA-256 of what was asked: the same key with another request is refused."""
    body = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(f"{method} {path}\n{body}".encode()).hexdigest()


def form_fingerprint(request, *, ignore: Iterable[str] = ("csrfmiddlewaretoken",)) -> str:
    """The fingerprint of a submitted HTML form (the CSRF token changes between renders)."""
    skipped = set(ignore)
    data = {k: request.POST.getlist(k) for k in sorted(request.POST) if k not in skipped}
    return fingerprint(request.method, request.path, data)


CLAIM_SQL = f"""
INSERT INTO {IdempotencyKey._meta.db_table} (scope, key, request_hash, state, owner, created_at)
VALUES (%s, %s, %s, %s, %s, %s)
ON CONFLICT (scope, key) DO NOTHING
RETURNING id
"""


def _claim(scope: str, key: str, request_hash: str, *, atomic: bool) -> IdempotencyKey:
    """Claims the key for this request under a new owner token; raises if another request
    holds it or used it for something else. A key already done is returned as it is: the
    caller replays its stored result."""
    now = timezone.now()
    owner = secrets.token_hex(16)
    with connection.cursor() as cursor:
        # One statement, no savepoint: a concurrent claim of the same key inserts nothing.
        cursor.execute(
            CLAIM_SQL, [scope, key, request_hash, IdempotencyKey.State.PROCESSING, owner, now]
        )
        row = cursor.fetchone()
    if row is not None:
        return IdempotencyKey(
            pk=row[0],
            scope=scope,
            key=key,
            request_hash=request_hash,
            state=IdempotencyKey.State.PROCESSING,
            owner=owner,
            created_at=now,
        )
    existing = IdempotencyKey.objects.get(scope=scope, key=key)
    if existing.request_hash != request_hash:
        raise IdempotencyKeyReused()
    if existing.state == IdempotencyKey.State.DONE:
        return existing
    taken = IdempotencyKey.objects.filter(
        pk=existing.pk,
        state=IdempotencyKey.State.PROCESSING,
        created_at__lt=timezone.now() - _stale_after(atomic),
    ).update(owner=owner, created_at=timezone.now())
    if taken:
        existing.owner = owner
        return existing
    raise IdempotencyKeyInProgress()


class _ClaimLost(Exception):
    """Another request took the key over meanwhile: this one's work must not commit."""


def _finish(claimed: IdempotencyKey, result: Any) -> Any:
    stored = json.loads(json.dumps(result, default=str))
    finished = IdempotencyKey.objects.filter(
        pk=claimed.pk, owner=claimed.owner, state=IdempotencyKey.State.PROCESSING
    ).update(state=IdempotencyKey.State.DONE, response_body=stored)
    if not finished:
        raise _ClaimLost()
    return stored


def _free(claimed: IdempotencyKey) -> None:
    IdempotencyKey.objects.filter(
        pk=claimed.pk, owner=claimed.owner, state=IdempotencyKey.State.PROCESSING
    ).delete()


def run_idempotent(
    *, scope: str, key: str, fingerprint: str, fn: Callable[[], Any], atomic: bool = True
) -> Any:
    """Runs `fn` once for (scope, key) and returns its result, which must be JSON-serialisable.

    A repeat with the same fingerprint returns the stored result of the first run without
    calling `fn`. Raises `IdempotencyKeyReused` (same key, other request) or
    `IdempotencyKeyInProgress` (the first run is still working). With `atomic` (the default)
    `fn` and the stored result commit together, and if `fn` raises, nothing is kept and the
    key is freed. Without it (`fn` commits on its own), a `DomainError` frees the key and any
    other exception leaves it in progress.
    """
    claimed = _claim(scope, key, fingerprint, atomic=atomic)
    if claimed.state == IdempotencyKey.State.DONE:
        return claimed.response_body
    if not atomic:
        try:
            result = fn()
        except DomainError:
            _free(claimed)
            raise
        try:
            return _finish(claimed, result)
        except _ClaimLost:
            return _replay(claimed)
    committing = False
    try:
        with transaction.atomic():
            stored = _finish(claimed, fn())
            committing = True
    except _ClaimLost:
        return _replay(claimed)
    except BaseException:
        if not committing:  # rolled back before COMMIT: nothing of the work remains
            _free(claimed)
        raise
    return stored


def run_form_once(request, *, key: str, fn: Callable[[], Any]) -> Any:
    """`run_idempotent` for a page's form: `key` from its hidden field (a fresh one on every
    render), scoped to the user or the browser session; a double submit runs `fn` once."""
    return run_idempotent(
        scope=request_scope(request), key=key, fingerprint=form_fingerprint(request), fn=fn
    )


def _replay(claimed: IdempotencyKey) -> Any:
    """The answer of the request that took this key over, once it has one."""
    row = IdempotencyKey.objects.get(pk=claimed.pk)
    if row.state != IdempotencyKey.State.DONE:
        raise IdempotencyKeyInProgress()
    return row.response_body


def idempotent_outcome(*, scope: str, key: str) -> tuple[str, Any] | None:
    """("processing", None) or ("done", result) for a key of this scope; None if the key is
    free again (its request failed) or was never used."""
    row = IdempotencyKey.objects.filter(scope=scope, key=key).first()
    if row is None:
        return None
    return row.state, row.response_body if row.state == IdempotencyKey.State.DONE else None
