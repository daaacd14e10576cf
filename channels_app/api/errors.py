"""Renders every API error in one body shape:
`{"error": {"code": ..., "message": ..., "details": [...]}}`.

Domain errors map to a status by class hierarchy, so a new subclass of `Conflict` is a 409
without touching this module.
"""

import math

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from shop import errors

STATUS_BY_CLASS = [
    (errors.InvalidInput, status.HTTP_400_BAD_REQUEST),
    (errors.PaymentDeclined, status.HTTP_402_PAYMENT_REQUIRED),
    (errors.PermissionDenied, status.HTTP_403_FORBIDDEN),
    (errors.NotFound, status.HTTP_404_NOT_FOUND),
    (errors.Conflict, status.HTTP_409_CONFLICT),
    (errors.UpstreamError, status.HTTP_502_BAD_GATEWAY),
]

CODE_BY_DRF_CLASS = [
    (exceptions.ValidationError, "invalid"),
    (exceptions.NotAuthenticated, "not_authenticated"),
    (exceptions.AuthenticationFailed, "authentication_failed"),
    (exceptions.PermissionDenied, "permission_denied"),
    (exceptions.NotFound, "not_found"),
    (exceptions.MethodNotAllowed, "method_not_allowed"),
    (exceptions.Throttled, "throttled"),
    (exceptions.ParseError, "parse_error"),
    (exceptions.UnsupportedMediaType, "unsupported_media_type"),
]


def error_body(code: str, message: str, details=None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or []}}


def status_for(exc: errors.DomainError) -> int:
    for cls, code in STATUS_BY_CLASS:
        if isinstance(exc, cls):
            return code
    return status.HTTP_400_BAD_REQUEST


def exception_handler(exc, context):
    if isinstance(exc, errors.DomainError):
        return Response(error_body(exc.code, exc.message, exc.details), status=status_for(exc))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = next((c for cls, c in CODE_BY_DRF_CLASS if isinstance(exc, cls)), "error")
    if isinstance(exc, exceptions.ValidationError):
        message, details = "The request is not valid.", [exc.detail]
    elif isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        message, details = str(exc.detail), [{"retry_after": math.ceil(exc.wait)}]
    else:
        message, details = str(exc.detail), []
    response.data = error_body(code, message, details)
    return response
