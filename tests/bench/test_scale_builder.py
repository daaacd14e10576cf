"""The scale benchmark's builder, at a thousandth of retail scale: the rows it was asked for,
and books that balance as the services keep them."""

import io
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from bench import scale_builder
from carts.models import Cart, CartLine, PromotionUsage
from channels_app.management.commands.load_demo import SHOPPER, ean13
from channels_app.models import IdempotencyKey
from inventory.models import Location, Reservation, Stock, StockMovement
from shop.catalog.models import Product, Variant
from shop.customers.models import Customer, CustomerEvent
from shop.orders.models import Order, OrderLine, ReturnLine
from shop.payments.models import Payment

SCALE = 0.001
REQUESTED = {  # the rows of retail scale (scale 1), times SCALE
    Product: 10,
    Variant: 40,
    StockMovement: 1_000,
    Customer: 100,
    CustomerEvent: 1_000,
    Order: 200,
    Cart: 50,
}
CODE = "[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{6}"

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    """The demo shop plus the builder's rows, once for the module, rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", stdout=io.StringIO())
        before = {model: model.objects.count() for model in REQUESTED}
        with connection.cursor() as cursor:
            report = scale_builder.Builder(
                cursor,
                scale=SCALE,
                now=timezone.now(),
                shopper_email=SHOPPER["email"],
                log=lambda line: None,
            ).run()
        yield before, report
        transaction.set_rollback(True)


def new_variants():
    return Variant.objects.filter(sku__startswith="SC")


def test_it_adds_the_rows_asked_for(built, db):
    before, report = built

    added = {model: model.objects.count() - before[model] for model in REQUESTED}

    assert added == REQUESTED
    assert report.counts == scale_builder.Counts.at(SCALE)
    assert new_variants().count() == REQUESTED[Variant]


def test_every_open_cart_has_lines_and_merged_ones_none(built, db):
    carts = Cart.objects.annotate(lines_count=Count("lines"))

    assert not carts.filter(status=Cart.Status.OPEN, lines_count=0).exists()
    assert not carts.filter(status=Cart.Status.MERGED, lines_count__gt=0).exists()


def test_on_hand_is_the_sum_of_the_movements(built, db):
    moved = (
        StockMovement.objects.filter(location=OuterRef("location"), variant=OuterRef("variant"))
        .values("variant")
        .annotate(units=Sum("quantity"))
        .values("units")
    )
    stock = Stock.objects.annotate(moved=Coalesce(Subquery(moved), 0))

    assert stock.filter(variant__in=new_variants()).count() == (
        REQUESTED[Variant] * Location.objects.filter(is_active=True).count()
    )
    assert [(s.on_hand, s.moved) for s in stock if s.on_hand != s.moved] == []


def test_reserved_is_the_sum_of_active_reservations(built, db):
    held = (
        Reservation.objects.filter(
            location=OuterRef("location"), variant=OuterRef("variant"), state="active"
        )
        .values("variant")
        .annotate(units=Sum("quantity"))
        .values("units")
    )
    stock = Stock.objects.annotate(held=Coalesce(Subquery(held, output_field=IntegerField()), 0))

    assert [(s.reserved, s.held) for s in stock if s.reserved != s.held] == []
    assert Stock.objects.filter(reserved__gt=0, variant__in=new_variants()).exists()


def test_unique_codes_are_unique_and_well_formed(built, db):
    emails = list(Customer.objects.exclude(email="").values_list("email", flat=True))
    numbers = list(Order.objects.values_list("number", flat=True))
    handoffs = list(Cart.objects.filter(status="open").values_list("handoff_code", flat=True))
    barcodes = list(new_variants().values_list("barcode", flat=True))

    assert len({e.lower() for e in emails}) == len(emails)
    assert all(email == email.lower() for email in emails)
    assert len(set(numbers)) == len(numbers)
    assert all(re.fullmatch(f"OS-{CODE}", number) for number in numbers)
    assert len(set(handoffs)) == len(handoffs)
    assert all(re.fullmatch(CODE, code) for code in handoffs)
    assert len(set(barcodes)) == len(barcodes)
    assert all(code == ean13(code[:12]) for code in barcodes)


def test_orders_add_up_and_are_paid_for(built, db):
    lines = (
        OrderLine.objects.filter(order=OuterRef("pk"))
        .values("order")
        .annotate(total=Sum("line_total"))
        .values("total")
    )
    orders = Order.objects.annotate(lines_total=Subquery(lines))

    assert [
        o.number
        for o in orders
        if o.lines_total != o.subtotal or o.total != o.subtotal - o.discount
    ] == []
    discounted = Order.objects.filter(discount__gt=0)
    assert discounted.exists()
    assert sorted(discounted.values_list("pk", flat=True)) == sorted(
        PromotionUsage.objects.values_list("order", flat=True)
    )
    assert not PromotionUsage.objects.exclude(amount=F("order__discount")).exists()
    assert not Order.objects.filter(payments__isnull=True).exists()
    assert set(Order.objects.values_list("channel", flat=True)) == {"web", "pos", "backoffice"}
    in_store = Order.objects.filter(fulfilment=Order.Fulfilment.IN_STORE)
    assert set(in_store.values_list("status", flat=True)) == {"completed"}
    cash = Payment.objects.filter(method=Payment.Method.CASH)
    assert cash.exists()
    assert not cash.filter(drawer_session__isnull=True).exists()


def test_the_subjects_do_not_depend_on_the_scale(built, db):
    shopper = Customer.objects.get(email__iexact=SHOPPER["email"])
    history = Customer.objects.get(email=scale_builder.customer_email(1))
    cart = Cart.objects.get(customer=shopper, status=Cart.Status.OPEN)

    assert shopper.orders.count() == scale_builder.SUBJECT_ORDERS
    assert history.events.count() == scale_builder.SUBJECT_EVENTS
    assert sorted(CartLine.objects.filter(cart=cart).values_list("variant__sku", flat=True)) == [
        scale_builder.variant_sku(n, "S") for n in scale_builder.SUBJECT_CART_PRODUCTS
    ]


def test_emails_are_unique_ignoring_case_in_the_database(built, db):
    duplicates = (
        Customer.objects.exclude(email="")
        .annotate(address=Lower("email"))
        .values("address")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )

    assert not duplicates.exists()


def test_the_check_finds_a_stock_row_out_of_its_books(built, db):
    with connection.cursor() as cursor:
        assert scale_builder.check(cursor) == {}
        Stock.objects.filter(pk=Stock.objects.filter(variant__in=new_variants()).first().pk).update(
            on_hand=10**6
        )

        problems = scale_builder.check(cursor)

    assert problems == {"stock rows whose on hand is not the sum of their movements": 1}


def test_a_scale_too_small_for_the_subjects_is_refused():
    with pytest.raises(ValueError, match="too small"):
        scale_builder.Counts.at(0.0001)


def test_returns_refund_a_line_and_leave_the_ledger_alone(built, db):
    returned = ReturnLine.objects.select_related("order_line", "return_record")
    assert returned.exists()
    for line in returned:
        assert line.order_line.returned_quantity == line.quantity == 1
        assert line.amount == line.order_line.unit_price == line.return_record.refund_amount
        assert line.return_record.order_id == line.order_line.order_id
        assert not line.return_record.restock
    assert OrderLine.objects.filter(returned_quantity__gt=0).count() == returned.count()


def test_till_sales_keep_their_idempotency_keys(built, db):
    sales = Order.objects.filter(channel="pos", staff_user__isnull=False)
    keys = IdempotencyKey.objects.filter(state=IdempotencyKey.State.DONE)
    assert keys.count() == sales.count() > 0
    assert set(keys.values_list("response_body__body__number", flat=True)) == set(
        sales.values_list("number", flat=True)
    )


def test_products_and_categories_read_in_english(built, db):
    from shop.catalog.models import Category, Product

    assert not Product.objects.filter(name_en__isnull=True).exists()
    assert not Category.objects.filter(name_en__isnull=True).exists()


def test_every_placed_order_has_one_sale_entry_numbered_after_the_chain(built, db):
    from shop.journal.models import JournalChain, JournalEntry

    placed = Order.objects.exclude(
        status__in=[Order.Status.PENDING_PAYMENT, Order.Status.PAYMENT_FAILED]
    )
    sales = JournalEntry.objects.filter(kind=JournalEntry.Kind.SALE)

    assert not placed.exclude(journal_entries__kind=JournalEntry.Kind.SALE).exists()
    assert sales.values("order").annotate(n=Count("id")).filter(n__gt=1).count() == 0
    for chain in JournalChain.objects.all():
        numbers = list(chain.entries.order_by("sequence").values_list("sequence", flat=True))
        assert numbers == list(range(1, len(numbers) + 1)), chain.key
        assert chain.last_sequence == len(numbers)
        assert chain.last_hash == chain.entries.get(sequence=chain.last_sequence).hash
    till = sales.filter(channel="pos").select_related("chain", "store").first()
    assert till.chain.key == till.store.code
    assert till.number.startswith(f"T-{till.store.code.upper()}-")


def test_generated_products_have_a_picture(built, db):
    from shop.catalog.models import Product

    generated = Product.objects.filter(variants__sku__startswith="SC").distinct()

    assert generated.exists()
    assert not generated.filter(images__isnull=True).exists()


def test_placed_orders_are_attributed_and_the_rollups_add_up(built, db):
    from shop.marketing.models import ChannelDaily, OrderAttribution
    from shop.marketing.rollups import reports_refresh

    placed = Order.objects.exclude(status__in=Order.UNPLACED_STATUSES)
    assert not placed.filter(attribution__isnull=True).exists()
    till = OrderAttribution.objects.filter(order__channel="pos").select_related(
        "order", "last_touch"
    )
    first = till.first()
    assert (first.last_touch.channel, first.last_touch.store_id) == ("pos", first.order.store_id)

    reports_refresh(since=timezone.localdate() - timedelta(days=30))

    assert ChannelDaily.objects.filter(sales_channel="pos").exists()
    assert ChannelDaily.objects.filter(channel="organic_search").exists()
