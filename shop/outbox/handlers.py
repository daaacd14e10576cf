"""Who delivers each outbox topic. Apps register their handlers when they load (in their
AppConfig.ready), so this bottom-layer app never imports the layers above it."""

from collections.abc import Callable
from typing import Any

Handler = Callable[[dict[str, Any]], None]
_HANDLERS: dict[str, Handler] = {}


def outbox_handler(topic: str) -> Callable[[Handler], Handler]:
    """Registers the decorated function as the deliverer of `topic`."""

    def register(fn: Handler) -> Handler:
        existing = _HANDLERS.get(topic)
        if existing is not None and existing is not fn:
            raise ValueError(f"Outbox topic {topic!r} already has a handler: {existing!r}")
        _HANDLERS[topic] = fn
        return fn

    return register


def topics() -> list[str]:
    """Every topic with a handler."""
    return sorted(_HANDLERS)


def handler_for(topic: str) -> Handler:
    try:
        return _HANDLERS[topic]
    except KeyError:
        raise LookupError(f"No outbox handler for topic {topic!r}") from None
