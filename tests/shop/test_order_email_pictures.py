"""The order confirmation and receipt emails: a plain-text body and an HTML alternative showing
each line with its product's thumbnail as an absolute URL, the pictures found in one query."""

from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop.customers.services import customer_get_or_create
from tests import factories
from tests.catalog_support import add_picture
from tests.channels_app.support import receive
from tests.shop.order_support import collect_order, till_sale

BASE = "https://shop.example.com"


@pytest.fixture(autouse=True)
def base_url(settings):
    settings.SHOP_BASE_URL = BASE


def stocked(store, count: int, *, pictures: bool = True) -> list:
    variants = []
    for index in range(count):
        variant = factories.VariantFactory(
            sku=f"VASE-{index}", price=Decimal("12.00"), product__name=f"Vase {index}"
        )
        receive(store, variant, 5)
        if pictures:
            add_picture(variant.product)
        variants.append(variant)
    return variants


def html_of(email) -> str:
    [(html, mimetype)] = email.alternatives
    assert mimetype == "text/html"
    return html


def test_the_confirmation_has_text_and_html_with_absolute_thumbnails(
    store, django_capture_on_commit_callbacks
):
    [vase] = stocked(store, 1)
    picture = vase.product.images.get()

    with django_capture_on_commit_callbacks(execute=True):
        order = collect_order(store, [(vase, 2)])

    [email] = [m for m in mail.outbox if m.subject == f"Your order {order.number}"]
    assert "Thank you for your order" in email.body
    assert "2 × Vase 0 — One size (VASE-0)" in email.body
    assert "<img" not in email.body
    html = html_of(email)
    assert f'src="{BASE}{picture.thumbnail.url}"' in html
    assert "Vase 0" in html
    assert order.number in html
    assert "Collect it at Store One" in html


def test_the_till_receipt_has_the_pictures_too(store, clerk, django_capture_on_commit_callbacks):
    [vase] = stocked(store, 1)
    customer = customer_get_or_create(email="bob@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        order = till_sale(store, clerk, [(vase, 1)], customer=customer)

    [email] = [m for m in mail.outbox if m.subject == f"Your receipt {order.number}"]
    assert "Keep this receipt" in email.body
    html = html_of(email)
    assert f'src="{BASE}{vase.product.images.get().thumbnail.url}"' in html
    assert "Keep this receipt" in html


def test_a_line_without_a_picture_has_no_image(store, django_capture_on_commit_callbacks):
    [vase] = stocked(store, 1, pictures=False)

    with django_capture_on_commit_callbacks(execute=True):
        order = collect_order(store, [(vase, 1)])

    [email] = [m for m in mail.outbox if m.subject == f"Your order {order.number}"]
    html = html_of(email)
    assert "<img" not in html
    assert "Vase 0" in html


def test_other_order_emails_stay_plain_text(store, django_capture_on_commit_callbacks):
    from shop.orders.services import order_mark_ready

    [vase] = stocked(store, 1)
    order = collect_order(store, [(vase, 1)])
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        order_mark_ready(order=order, channel="pos")

    [email] = mail.outbox
    assert email.alternatives == []


@pytest.mark.parametrize("size", [1, 5])
def test_the_pictures_of_all_lines_cost_one_query(store, size, django_capture_on_commit_callbacks):
    variants = stocked(store, size)

    with CaptureQueriesContext(connection) as queries:
        with django_capture_on_commit_callbacks(execute=True):
            order = collect_order(store, [(variant, 1) for variant in variants])

    [email] = [m for m in mail.outbox if m.subject == f"Your order {order.number}"]
    assert html_of(email).count("<img") == size
    email_pictures = [
        q["sql"]
        for q in queries.captured_queries
        if "catalog_productimage" in q["sql"] and "orders_orderline" in q["sql"]
    ]
    assert len(email_pictures) == 1  # the lines and their pictures, whatever the line count
    # ...and no picture row loaded on its own, per line.
    assert not [q for q in queries.captured_queries if '"catalog_productimage"."id"' in q["sql"]]


def test_a_french_customer_gets_both_parts_in_french(store, django_capture_on_commit_callbacks):
    [vase] = stocked(store, 1)
    customer = customer_get_or_create(email="ann@example.com")
    customer.language = "fr"
    customer.save(update_fields=["language"])

    with django_capture_on_commit_callbacks(execute=True):
        order = collect_order(store, [(vase, 1)])

    [email] = [m for m in mail.outbox if order.number in m.subject]
    assert "Merci pour votre commande" in email.body
    html = html_of(email)
    assert '<html lang="fr">' in html
    assert "Merci pour votre commande" in html
    assert "Sous-total :" in html
