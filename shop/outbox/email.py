"""Outgoing email through the outbox: the message is written with the change that causes it
and sent by a worker, so a mail server that is down delays an email but never fails a sale."""

from django.core.mail import EmailMessage

from shop.outbox.handlers import outbox_handler
from shop.outbox.services import outbox_enqueue

TOPIC = "email"


def email_enqueue(
    *, key: str, to: list[str], subject: str, body: str, headers: dict[str, str] | None = None
) -> None:
    """An email already written, sent once after commit (`key` names it: asking twice is one
    email)."""
    outbox_enqueue(
        topic=TOPIC,
        key=key,
        payload={"to": to, "subject": subject, "body": body, "headers": headers or {}},
    )


@outbox_handler(TOPIC)
def _send(payload: dict) -> None:
    EmailMessage(
        subject=payload["subject"],
        body=payload["body"],
        to=payload["to"],
        headers=payload.get("headers") or None,
    ).send()
