"""The demo's reminders and recommendations: the demo shopper (who agreed to marketing email
and never ordered) left a cart two hours ago, so the first reminder run writes their email
with a first-order code; and demo customers browsed the catalogue, so the product pages have
"bought together" suggestions. Idempotent, like the rest of the demo."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from carts.models import Cart, CartLine
from carts.services import cart_for_customer, cart_line_add
from shop.catalog.models import Product, Variant
from shop.customers.models import Customer, CustomerEvent
from shop.customers.services import customer_get_or_create, customer_marketing_consent_set
from shop.marketing.evaluation import catalog_by_category, generated_histories
from shop.marketing.models import CartReminder, ReminderProgram
from shop.marketing.recommendations import recommendations_build
from shop.marketing.reminders import cart_reminders_send

DEMO_BROWSERS = 80
BROWSER_EMAIL = "browser{n}@demo.omnistore.local"
SHOPPER_CART = ("TEE-ORG-WHT-M", "ACC-WLT-BLK")


def ensure_shopper_reminder(report, *, email: str) -> None:
    customer = Customer.objects.with_email(email).get()
    if not customer.marketing_consent:
        customer_marketing_consent_set(customer=customer, consent=True)
    cart = cart_for_customer(customer=customer)
    if cart.lines.exists() or CartReminder.objects.filter(cart=cart).exists():
        return
    ago = timezone.now() - timedelta(hours=2)
    ReminderProgram.objects.get_or_create(pk=1, defaults={"switched_on_at": ago - timedelta(1)})
    for sku in SHOPPER_CART:
        if Variant.objects.filter(sku=sku).exists():
            cart_line_add(cart=cart, sku=sku, quantity=1, channel="web")
    # Left two hours ago: due at the first reminder run.
    CartLine.objects.filter(cart=cart).update(added_at=ago)
    Cart.objects.filter(pk=cart.pk).update(updated_at=ago)
    report.add("abandoned cart")
    transaction.on_commit(cart_reminders_send)


def ensure_browsing(report) -> None:
    if Customer.objects.filter(email=BROWSER_EMAIL.format(n=0)).exists():
        return
    histories = generated_histories(catalog_by_category(), customers=DEMO_BROWSERS, seed=11)
    slugs = dict(Product.objects.values_list("pk", "slug"))
    now = timezone.now()
    events = []
    for n, products in enumerate(histories.values()):
        customer = customer_get_or_create(email=BROWSER_EMAIL.format(n=n), name=f"Browser {n}")
        for i, product in enumerate(products):
            events.append(
                CustomerEvent(
                    customer=customer,
                    kind=CustomerEvent.Kind.PRODUCT_VIEWED,
                    channel="web",
                    created_at=now - timedelta(days=30, minutes=-i),
                    payload={"product": slugs[product], "name": ""},
                )
            )
    CustomerEvent.objects.bulk_create(events)
    report.add("browsing customers", len(histories))
    transaction.on_commit(recommendations_build)


def ensure_marketing(report, *, shopper_email: str) -> None:
    ensure_browsing(report)
    ensure_shopper_reminder(report, email=shopper_email)
