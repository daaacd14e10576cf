"""Request ids: one per request, echoed in `X-Request-ID` and stamped on every log record.

The id comes from the incoming `X-Request-ID` header when it is a sane token (so a proxy's or
a client's id carries through), else a new one is made. Celery tasks enqueued while a request
is handled carry it in a message header, and their log records show it too.
"""

import logging
import re
import uuid
from contextvars import ContextVar
from inspect import iscoroutinefunction

from celery import signals as celery_signals
from django.core.signals import request_finished
from django.utils.decorators import sync_and_async_middleware

HEADER = "X-Request-ID"
#: What a log record shows outside any request or task.
NO_REQUEST = "-"
#: Letters, digits and a few separators, 8 to 128 of them: UUIDs, proxies' hex ids, ULIDs.
#: Anything else (spaces, newlines, quotes, a megabyte) is not written to the logs.
_SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@+=-]{7,127}")
#: The Celery message header that carries the id to the worker.
_TASK_HEADER = "request_id"

request_id: ContextVar[str] = ContextVar("request_id", default=NO_REQUEST)


def sane(value: str | None) -> str | None:
    """The value if it may be used as a request id, else None."""
    return value if value and _SANE.fullmatch(value) else None


def _begin(request) -> None:
    request.request_id = sane(request.headers.get(HEADER)) or uuid.uuid4().hex
    request_id.set(request.request_id)


def _end(request, response) -> None:
    response[HEADER] = request.request_id


def _forget(**kwargs) -> None:
    # Not reset when the middleware returns: Django logs a 4xx answer after the middleware, and
    # that record must carry the id too. The response is closed once it has been sent.
    request_id.set(NO_REQUEST)


@sync_and_async_middleware
def request_id_middleware(get_response):
    """Outermost middleware: every later middleware, the view and Django's own logs see the id."""
    request_finished.connect(_forget, dispatch_uid="shop.request_id.forget")
    if iscoroutinefunction(get_response):

        async def middleware(request):
            _begin(request)
            response = await get_response(request)
            _end(request, response)
            return response

    else:

        def middleware(request):
            _begin(request)
            response = get_response(request)
            _end(request, response)
            return response

    return middleware


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record a handler emits (attach it to the handler)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


def _publish_with_id(headers: dict | None = None, **kwargs) -> None:
    current = request_id.get()
    if headers is not None and current != NO_REQUEST:
        headers[_TASK_HEADER] = current


def _run_with_id(task=None, **kwargs) -> None:
    # An eager task runs inside the request that enqueued it and already has its id.
    if task is not None and not task.request.is_eager:
        request_id.set(sane(task.request.get(_TASK_HEADER)) or NO_REQUEST)


def connect_celery() -> None:
    """Carry the id from the request that enqueues a task to the worker that runs it."""
    celery_signals.before_task_publish.connect(_publish_with_id, weak=False)
    celery_signals.task_prerun.connect(_run_with_id, weak=False)
