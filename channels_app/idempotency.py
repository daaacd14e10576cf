"""`Idempotency-Key` support for state-changing API calls.

The key is claimed in its own short transaction before the work starts, so a concurrent
retry sees it at once (409 in progress) and the work itself may span several transactions
(reserve, pay, commit). A successful response is stored and replayed; a failed one frees the
key, since nothing changed and the client may retry with it.
"""

import functools
import hashlib
import json
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import status
from rest_framework.response import Response

from channels_app.api.errors import error_body
from channels_app.models import IdempotencyKey

HEADER = "Idempotency-Key"
#: A key left "processing" this long belongs to a request that died; it may be taken over.
STALE_AFTER = timedelta(minutes=5)


def _scope(request) -> str:
    if request.user and request.user.is_authenticated:
        return f"user:{request.user.pk}"
    if not request.session.session_key:
        request.session.save()
    return f"session:{request.session.session_key}"


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str)
    raw = f"{request.method} {request.path}\n{body}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _conflict(code: str, message: str) -> Response:
    return Response(error_body(code, message), status=status.HTTP_409_CONFLICT)


def _claim(scope: str, key: str, fingerprint: str) -> IdempotencyKey | Response:
    """Claims the key for this request, or returns the response a retry gets."""
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(scope=scope, key=key, request_hash=fingerprint)
    except IntegrityError:
        pass
    existing = IdempotencyKey.objects.get(scope=scope, key=key)
    if existing.request_hash != fingerprint:
        return _conflict(
            "idempotency_key_reused",
            "This Idempotency-Key was already used with a different request.",
        )
    if existing.state == IdempotencyKey.State.DONE:
        return Response(existing.response_body, status=existing.response_status)
    stale = timezone.now() - STALE_AFTER
    taken = IdempotencyKey.objects.filter(pk=existing.pk, created_at__lt=stale).update(
        created_at=timezone.now()
    )
    if taken:
        return existing
    return _conflict(
        "idempotency_key_in_progress", "A request with this Idempotency-Key is still running."
    )


def idempotent(view_method):
    """Decorates an APIView's post(): replays the first response for a repeated key."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return view_method(self, request, *args, **kwargs)
        if len(key) > 255:
            return Response(
                error_body("invalid", "Idempotency-Key is longer than 255 characters."),
                status=status.HTTP_400_BAD_REQUEST,
            )
        claimed = _claim(_scope(request), key, _fingerprint(request))
        if isinstance(claimed, Response):
            return claimed
        try:
            response = view_method(self, request, *args, **kwargs)
        except BaseException:
            claimed.delete()
            raise
        if 200 <= response.status_code < 300:
            claimed.state = IdempotencyKey.State.DONE
            claimed.response_status = response.status_code
            claimed.response_body = json.loads(json.dumps(response.data, default=str))
            claimed.save(update_fields=["state", "response_status", "response_body"])
        else:
            claimed.delete()
        return response

    return wrapper
