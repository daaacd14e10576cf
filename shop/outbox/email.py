"""Outgoing email through the outbox: the message is written with the change that causes it
and sent by a worker, so a mail server that is down delays an email but never fails a sale.
An email written for a customer announces itself when sent (`email_sent`), so it goes on their
timeline without this bottom-layer app knowing about timelines."""

from typing import Any

from django.core.mail import EmailMessage

from shop.outbox.handlers import outbox_handler
from shop.outbox.services import outbox_enqueue
from shop.outbox.signals import email_sent

TOPIC = "email"


def email_enqueue(
    *,
    key: str,
    to: list[str],
    subject: str,
    body: str,
    headers: dict[str, str] | None = None,
    customer_id: int | None = None,
    about: dict[str, Any] | None = None,
) -> None:
    """An email already written, sent once after commit (`key` names it: asking twice is one
    email). `customer_id`: the customer it is written to, whose timeline records it once sent,
    with `about` (what it concerns, e.g. {"ticket": number})."""
    outbox_enqueue(
        topic=TOPIC,
        key=key,
        payload={
            "to": to,
            "subject": subject,
            "body": body,
            "headers": headers or {},
            "customer": customer_id,
            "about": about or {},
        },
    )


@outbox_handler(TOPIC)
def _send(payload: dict) -> None:
    EmailMessage(
        subject=payload["subject"],
        body=payload["body"],
        to=payload["to"],
        headers=payload.get("headers") or None,
    ).send()
    email_sent.send(
        sender=EmailMessage,
        to=payload["to"],
        subject=payload["subject"],
        customer_id=payload.get("customer"),
        about=payload.get("about") or {},
    )
