"""factory_boy factories for the whole suite. Money is always Decimal."""

import time
from decimal import Decimal

import factory
from django.conf import settings
from django.contrib.auth import get_user_model

from inventory.models import Location
from shop.catalog.models import Category, Product, Variant
from shop.customers.models import Customer
from shop.orders.models import Order, OrderLine
from shop.staff.models import StaffProfile


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct-horse-battery")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.Sequence(lambda n: f"product-{n}")
    description = "A fine thing."
    category = factory.SubFactory(CategoryFactory)


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Variant

    product = factory.SubFactory(ProductFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    barcode = factory.Sequence(lambda n: f"400{n:010d}")
    name = "One size"
    price = Decimal("10.00")


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"loc{n}")
    name = factory.Sequence(lambda n: f"Location {n}")
    kind = Location.Kind.STORE


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    name = factory.Sequence(lambda n: f"Customer {n}")


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"OS-T{n:05d}")
    channel = "web"
    fulfilment = Order.Fulfilment.COLLECT
    currency = settings.SHOP_CURRENCY
    subtotal = Decimal("0.00")
    total = Decimal("0.00")
    email = "shopper@example.com"


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    variant = factory.SubFactory(VariantFactory)
    sku = factory.LazyAttribute(lambda line: line.variant.sku)
    name = factory.LazyAttribute(lambda line: line.variant.product.name)
    quantity = 1
    unit_price = factory.LazyAttribute(lambda line: line.variant.price)
    line_total = factory.LazyAttribute(lambda line: line.variant.price * line.quantity)


def manager(username: str = "manager"):
    """A manager as `staff_create` makes one: admin access through the Managers group."""
    from shop.staff.services import managers_group

    user = UserFactory(username=username, is_staff=True)
    StaffProfile.objects.create(user=user, role=StaffProfile.Role.MANAGER)
    user.groups.add(managers_group())
    return user


def clerk(*, store, username: str | None = None):
    user = UserFactory(username=username or f"clerk-{store.code}")
    StaffProfile.objects.create(user=user, role=StaffProfile.Role.CLERK, store=store)
    return user


#: The authenticator-app secret `with_totp` enrols (base32, as allauth stores it).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def with_totp(user, secret: str = TOTP_SECRET):
    """Enrols `user`'s authenticator app through allauth, as its enrolment page does."""
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, secret)
    return user


def totp_code(secret: str = TOTP_SECRET) -> str:
    """The code an authenticator app shows now for `secret` (allauth's own computation). Near
    the end of a period it waits for the next one, so the code is still good when sent."""
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    period = app_settings.TOTP_PERIOD
    if period - time.time() % period < 3:
        time.sleep(period - time.time() % period + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))
