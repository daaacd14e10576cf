"""`@idempotent`: the API's `Idempotency-Key` header on `run_idempotent`."""

import functools

from rest_framework import status
from rest_framework.response import Response

from channels_app.api.errors import error_body
from channels_app.idempotency import (
    HEADER,
    MAX_KEY_LENGTH,
    fingerprint,
    request_scope,
    run_idempotent,
)
from shop.errors import DomainError


class _NotKept(DomainError):
    """A response that is not stored (an error, which changed nothing): the key is freed and
    the response sent."""

    def __init__(self, response: Response):
        super().__init__(f"Not kept: {response.status_code}")
        self.response = response


def idempotent(view_method=None, *, atomic: bool = True, redact=None):
    """Decorates an APIView's post(): replays the first response for a repeated key.
    `@idempotent(atomic=False)` for work that commits in several transactions of its own.
    `redact(body) -> body`: what is kept for replays when the first answer holds a secret that
    must not be stored (a gift card's code): the first caller gets it, a replay does not."""
    if view_method is None:
        return functools.partial(idempotent, atomic=atomic, redact=redact)

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return view_method(self, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH:
            return Response(
                error_body("invalid", "Idempotency-Key is longer than 255 characters."),
                status=status.HTTP_400_BAD_REQUEST,
            )

        first: list[Response] = []

        def respond() -> dict:
            response = view_method(self, request, *args, **kwargs)
            if not 200 <= response.status_code < 300:
                raise _NotKept(response)
            first.append(response)
            body = redact(response.data) if redact else response.data
            return {"status": response.status_code, "body": body}

        try:
            stored = run_idempotent(
                scope=request_scope(request),
                key=key,
                fingerprint=fingerprint(request.method, request.path, request.data),
                fn=respond,
                atomic=atomic,
            )
        except _NotKept as not_kept:
            return not_kept.response
        if first:
            return first[0]
        return Response(stored["body"], status=stored["status"])

    return wrapper
