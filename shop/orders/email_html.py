"""The HTML part of the order confirmation and receipt emails: the same content as their plain
text, with each line's product picture (an absolute thumbnail URL, since a mail reader has no
idea of the shop's address)."""

from django.db.models import QuerySet
from django.template.loader import render_to_string

from shop.catalog.images import image_absolute_url, main_image_of
from shop.orders.models import Order, OrderLine

#: Order emails that also go out as HTML.
HTML_KINDS = ("confirmation", "receipt")


def order_lines_with_pictures(order: Order) -> QuerySet[OrderLine]:
    """The order's lines with `main_image`, the first picture of their product, in one query."""
    return order.lines.annotate(main_image=main_image_of("variant__product"))


def order_email_html(*, kind: str, context: dict) -> str | None:
    """The HTML alternative of the `kind` email (None for kinds sent as plain text only). The
    caller renders it inside the customer's language, like the text body."""
    if kind not in HTML_KINDS:
        return None
    lines = list(context["lines"])
    for line in lines:
        line.picture_url = image_absolute_url(getattr(line, "main_image", "") or "")
    return render_to_string(f"emails/order_{kind}.html", {**context, "lines": lines})
