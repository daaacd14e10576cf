"""One database of `bench.scale`, in a process of its own (Django serves one database per
process): with `--build SCALE`, migrate it, load the demo shop, add the rows of that scale
(`bench.scale_builder`), VACUUM ANALYZE and check the books; then, at every run, ready it:

- the demo manager gets a new authenticator app (allauth's TOTP, a fresh secret), which the
  client signs in with, as a manager does (the back office asks managers for a second factor);
- the demo shopper's cart is put back to its lines (the benchmark adds to it);
- the sessions and idempotency keys of earlier runs are deleted (the builder makes none, so a
  kept big database would otherwise list more of them than a new small one).

It then prints one line, `FIXTURE {json}`: what the client needs (the secret, the paths of the
measured objects, the SKUs to use, the admin pages the manager may open).

    DATABASE_URL=... python -m bench.scale_setup [--build 0.01]
"""

import argparse
import io
import json
import os
import sys
import time

from bench import common, scale_builder
from bench.scale_builder import variant_sku as sku

PROG = "scale"
DATABASE_SUFFIXES = ("_scale_small", "_scale_big")


def fail(message: str):
    common.fail(message, prog=PROG)


def configure_django() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.scale_settings"
    os.environ.setdefault("DJANGO_DEBUG", "false")

    import django

    django.setup()
    from django.db import connection

    name = connection.settings_dict["NAME"]
    if connection.vendor != "postgresql" or not name.endswith(DATABASE_SUFFIXES):
        fail(f"refusing to run on {connection.vendor} database {name!r}: not a scale database")


def timed(label: str, work):
    started = time.perf_counter()
    result = work()
    print(f"  {label:<34} {time.perf_counter() - started:7.1f} s", flush=True)
    return result


#: Rollup days rebuilt after a build: the dashboard's default period and more.
DASHBOARD_DAYS = 60


def build(scale: float) -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from channels_app.management.commands.load_demo import SHOPPER

    timed("migrate", lambda: call_command("migrate", interactive=False, verbosity=0))
    timed("load_demo", lambda: call_command("load_demo", stdout=io.StringIO()))
    with connection.cursor() as cursor:
        report = scale_builder.Builder(
            cursor,
            scale=scale,
            now=timezone.now(),
            shopper_email=SHOPPER["email"],
            currency=settings.SHOP_CURRENCY,
            pickup_days=settings.PICKUP_DAYS,
            payment_window_minutes=int(settings.PAYMENT_WINDOW.total_seconds() // 60),
            log=lambda line: print(line, flush=True),
        ).run()
        timed("VACUUM ANALYZE", lambda: cursor.execute("VACUUM (ANALYZE)"))
        problems = timed("check the books", lambda: scale_builder.check(cursor))
    # What beat keeps up to date: the dashboard's rollups and the product feeds.
    days = f"--days={DASHBOARD_DAYS}"
    timed("refresh_reports", lambda: call_command("refresh_reports", days, stdout=io.StringIO()))
    timed("rebuild_feeds", lambda: call_command("rebuild_feeds", force=True, stdout=io.StringIO()))
    if problems:
        fail("the built database breaks its invariants: " + "; ".join(problems))
    rows = ", ".join(f"{table} {count:,}" for table, count in report.rows.items())
    print(f"  added: {rows}", flush=True)


def enrol_manager(username: str) -> str:
    """A new authenticator app for the manager, through allauth; returns its secret."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth import get_user_model

    manager = get_user_model().objects.get(username=username)
    Authenticator.objects.filter(user=manager).delete()
    secret = generate_totp_secret()
    TOTP.activate(manager, secret)
    return secret


def reset_shopper_cart(email: str) -> list[str]:
    """The demo shopper's open cart with one unit of each subject SKU, through the cart
    services (as the shop fills it); returns those SKUs."""
    from carts.models import CartLine
    from carts.services import cart_for_customer, cart_line_add
    from shop.channels import Channel
    from shop.customers.models import Customer

    customer = Customer.objects.get(email__iexact=email)
    cart = cart_for_customer(customer=customer)
    CartLine.objects.filter(cart=cart).delete()
    skus = [sku(product, "S") for product in scale_builder.SUBJECT_CART_PRODUCTS]
    for code in skus:
        cart_line_add(cart=cart, sku=code, quantity=1, channel=Channel.WEB)
    return skus


def admin_pages(username: str) -> list[dict]:
    """The changelist of every model the manager may see in the admin."""
    from django.contrib import admin
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    manager = get_user_model().objects.get(username=username)
    pages = []
    for model in admin.site._registry:
        opts = model._meta
        perms = [f"{opts.app_label}.{action}_{opts.model_name}" for action in ("view", "change")]
        if any(manager.has_perm(perm) for perm in perms):
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
            pages.append({"name": f"{opts.app_label}.{opts.model_name}", "path": url})
    return sorted(pages, key=lambda page: page["name"])


def kiosk_token(username: str, store) -> str:
    """A fresh kiosk credential for `store` (the bench's browser enrols with its token)."""
    from django.contrib.auth import get_user_model

    from channels_app.credentials import credential_create
    from channels_app.models import ChannelCredential

    _, token = credential_create(
        kind=ChannelCredential.Kind.KIOSK,
        name="bench kiosk",
        created_by=get_user_model().objects.get(username=username),
        store=store,
    )
    return token


def prepare() -> dict:
    from django.contrib.sessions.models import Session
    from django.urls import reverse

    from carts.models import Cart
    from channels_app.management.commands.load_demo import CLERK_PASSWORD, MANAGER, SHOPPER
    from channels_app.models import IdempotencyKey
    from inventory.models import Location
    from shop.catalog.models import Variant
    from shop.customers.models import Customer
    from shop.journal.models import ReceiptPrint
    from shop.orders.models import Order
    from shop.staff.models import StaffProfile

    Session.objects.all().delete()
    IdempotencyKey.objects.all().delete()
    # The last run's invoice downloads (each is a print): every run starts with none, as the
    # freshly built small database does.
    ReceiptPrint.objects.all().delete()
    manager, manager_password = MANAGER
    cart_skus = reset_shopper_cart(SHOPPER["email"])
    shopper = Customer.objects.get(email__iexact=SHOPPER["email"])
    history = Customer.objects.get(email=scale_builder.customer_email(1))
    product = Variant.objects.select_related("product").get(sku=sku(1, "S")).product
    order = Order.objects.filter(customer=shopper).order_by("created_at", "id").first()
    cart = Cart.objects.get(customer=shopper, status=Cart.Status.OPEN)
    clerks = StaffProfile.objects.filter(role="clerk").select_related("user", "store")
    # A clerk of a store that ships online orders: the till's shipping queue is theirs too.
    clerk = clerks.filter(store__ships_online=True).first() or clerks.first()
    collect_store = Location.objects.filter(click_and_collect=True, is_active=True).first()
    if None in (order, clerk, collect_store):
        fail("the database lacks the demo shopper's orders, a clerk or a collect store")

    def change(model, pk: int) -> str:
        opts = model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk])

    return {
        "totp_secret": enrol_manager(manager),
        "manager": {"username": manager, "password": manager_password},
        "shopper": {"username": SHOPPER["username"], "password": SHOPPER["password"]},
        "clerk": {"username": clerk.user.username, "password": CLERK_PASSWORD},
        "shopper_email": shopper.email,
        "store": clerk.store.code,
        "collect_store": collect_store.code,
        "category_path": reverse("storefront:category", args=["collection-001"]),
        "product_path": reverse("storefront:product", args=[product.slug]),
        "search_word": scale_builder.SEARCH_WORD,
        "product_skus": sorted(product.variants.values_list("sku", flat=True)),
        "cart_skus": cart_skus,
        "add_skus": [sku(n, "S") for n in range(5, 15)],
        "pos_sku": sku(1, "S"),
        "checkout_sku": sku(1, "M"),
        "order_number": order.number,
        "change_pages": {
            "order": change(Order, order.pk),
            "customer": change(Customer, history.pk),
            "product": change(type(product), product.pk),
            "cart": change(Cart, cart.pk),
        },
        "admin_pages": admin_pages(manager),
        "history_customer": history.pk,
        "kiosk_store": collect_store.code,
        "kiosk_token": kiosk_token(manager, collect_store),
        "kiosk_product": product.slug,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale_setup", description=__doc__)
    parser.add_argument("--build", type=float, metavar="SCALE", help="build it at this scale")
    args = parser.parse_args(argv)
    configure_django()
    if args.build is not None:
        build(args.build)
    fixture = prepare()
    print("FIXTURE " + json.dumps(fixture), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
