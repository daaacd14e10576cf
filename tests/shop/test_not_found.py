"""Pick failures that recover: not found at the desk, re-sourced here, from the nearest
location, or cancelled and refunded."""

from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.models import Reservation, StockCount, StockMovement
from shop.channels import Channel
from shop.customers.models import CustomerEvent
from shop.customers.timeline import event_summary
from shop.orders.errors import NothingHeld, OrderStatusConflict
from shop.orders.models import Order, OrderEvent
from shop.orders.not_found import order_line_not_found
from shop.orders.services import order_mark_collected, order_mark_ready, order_mark_shipped
from shop.outbox.models import OutboxMessage
from shop.payments.models import Payment
from tests import factories
from tests.channels_app.support import open_till, receive, set_safety_stock, stock_row
from tests.shop.order_support import collect_order, delivery_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def shirt(db):
    return factories.VariantFactory(sku="SHIRT", price=Decimal("30.00"))


@pytest.fixture
def paris(db):
    return factories.LocationFactory(
        code="paris",
        name="Paris",
        click_and_collect=True,
        latitude=Decimal("48.85661"),
        longitude=Decimal("2.35222"),
    )


def located(code, lat, lon, *, kind="store", **fields):
    return factories.LocationFactory(
        code=code,
        name=code.title(),
        kind=kind,
        latitude=Decimal(lat),
        longitude=Decimal(lon),
        **fields,
    )


def not_found(order, sku="SHIRT", **kwargs):
    return order_line_not_found(order=order, sku=sku, channel=Channel.POS, **kwargs)


def emails(order):
    return [
        m.payload
        for m in OutboxMessage.objects.filter(topic="email", key__startswith=f"order:{order.pk}:")
    ]


def held(order):
    return sorted(
        Reservation.objects.filter(order_line__order=order, state="active").values_list(
            "location__code", "quantity"
        )
    )


class TestAnotherUnitHere:
    def test_the_missing_unit_is_written_off_and_another_one_held(self, paris, shirt):
        receive(paris, shirt, 5)
        order = collect_order(paris, [(shirt, 1)])
        assert stock_row(paris, shirt) == (5, 1)

        outcome = not_found(order)

        assert outcome.kind == "here"
        assert stock_row(paris, shirt) == (4, 1)
        assert held(order) == [("paris", 1)]
        count = StockCount.objects.get()
        assert count.source == StockCount.Source.NOT_FOUND
        [line] = count.lines.all()
        assert (line.expected, line.counted, line.variance) == (5, 4, -1)
        assert line.movement.reason == "count"
        assert [e.kind for e in order.events.all()] == ["not_found", "resourced_here"]
        [email] = emails(order)
        assert "took another one" in email["body"]

    def test_shelf_empty_is_a_count_of_zero_that_leaves_other_holds(self, paris, shirt):
        receive(paris, shirt, 5)
        other = collect_order(paris, [(shirt, 2)], email="other@example.com")
        order = collect_order(paris, [(shirt, 1)])
        warehouse = located("wh", "48.9", "2.4", kind="warehouse")
        receive(warehouse, shirt, 3)

        outcome = not_found(order, shelf_empty=True)

        # Nothing free is left here: the unit comes from the warehouse; the other order's
        # two units stay held (a count never releases them) and show as a shortfall.
        assert outcome.kind == "transfer"
        [line] = StockCount.objects.get().lines.all()
        assert (line.counted, line.reserved_shortfall) == (0, 2)
        assert held(other) == [("paris", 2)]


class TestTransfer:
    def test_from_the_nearest_location_with_a_new_ready_by_date(self, paris, shirt):
        receive(paris, shirt, 1)
        lyon = located("lyon", "45.76404", "4.83566")
        lille = located("lille", "50.62925", "3.05726")
        far_wh = located("marseille", "43.29648", "5.36978", kind="warehouse")
        for location in (lyon, lille, far_wh):
            receive(location, shirt, 4)
        set_safety_stock(lille, shirt, 4)  # Lille is nearest, but only has safety stock
        order = collect_order(paris, [(shirt, 1)])
        order_mark_ready(order=order, channel=Channel.POS)

        outcome = not_found(order)

        assert (outcome.kind, outcome.source.code) == ("transfer", "lyon")
        order.refresh_from_db()
        assert order.status == Order.Status.PLACED  # back to picking until it arrives
        assert order.ready_by > timezone.now()
        assert order.pickup_deadline > order.ready_by
        assert stock_row(lyon, shirt) == (3, 0)
        assert stock_row(paris, shirt) == (1, 1)  # the written-off unit out, the transfer in
        [reservation] = Reservation.objects.filter(order_line__order=order, state="active")
        assert reservation.expires_at == order.pickup_deadline
        kinds = StockMovement.objects.filter(variant=shirt).values_list("kind", flat=True)
        assert {"transfer_out", "transfer_in"} <= set(kinds)
        [email] = emails(order)
        assert "bringing it from Lyon" in email["body"]
        assert "delivered" in email["body"]

        # When it arrives the desk hands it over: exactly one unit leaves Paris.
        open_till(paris)
        order_mark_collected(order=order, channel=Channel.POS)
        assert stock_row(paris, shirt) == (0, 0)

    def test_a_delivery_order_ships_from_another_location(self, shirt):
        near = located("wh-near", "48.9", "2.3", kind="warehouse", ships_online=True)
        other = located("st-other", "45.7", "4.8", ships_online=True)
        receive(near, shirt, 1)
        receive(other, shirt, 2)
        order = delivery_order([(shirt, 1)])
        assert held(order) == [("wh-near", 1)]

        outcome = not_found(order)

        assert (outcome.kind, outcome.source.code) == ("transfer", "st-other")
        assert held(order) == [("st-other", 1)]
        assert stock_row(near, shirt) == (0, 0)
        order_mark_shipped(order=order)
        assert stock_row(other, shirt) == (1, 0)

    def test_a_split_delivery_line_names_the_location(self, shirt):
        from shop.errors import InvalidInput

        wh = located("wh", "48.9", "2.3", kind="warehouse", ships_online=True)
        st = located("st", "45.7", "4.8", ships_online=True)
        third = located("third", "50.6", "3.0", ships_online=True)
        receive(wh, shirt, 1)
        receive(st, shirt, 1)
        order = delivery_order([(shirt, 2)])
        receive(third, shirt, 1)
        assert held(order) == [("st", 1), ("wh", 1)]
        with pytest.raises(InvalidInput):
            not_found(order)

        outcome = not_found(order, location=wh)

        assert (outcome.kind, outcome.quantity, outcome.source.code) == ("transfer", 1, "third")
        assert held(order) == [("st", 1), ("third", 1)]


class TestCancelled:
    def test_the_line_is_cancelled_and_refunded_to_the_card(self, paris, shirt):
        cap = factories.VariantFactory(sku="CAP", price=Decimal("10.00"))
        receive(paris, shirt, 1)
        receive(paris, cap, 1)
        order = collect_order(paris, [(shirt, 1), (cap, 1)], payment="card")

        outcome = not_found(order)

        assert (outcome.kind, outcome.refund) == ("line_cancelled", Decimal("30.00"))
        order.refresh_from_db()
        assert order.status == Order.Status.PLACED
        line = order.lines.get(sku="SHIRT")
        assert line.cancelled_quantity == 1
        [refund] = Payment.objects.filter(refund_of__isnull=False)
        assert (refund.amount, refund.status) == (Decimal("30.00"), "pending")
        assert OutboxMessage.objects.filter(topic="payments.refund").count() == 1
        [email] = emails(order)
        assert "removed it from your order" in email["body"]
        # The timelines tell it, in words.
        event = CustomerEvent.objects.get(kind=CustomerEvent.Kind.PICK_NOT_FOUND)
        assert event_summary(event).sentence.endswith(
            "was not found when picking: it was cancelled"
        )
        assert order.events.filter(kind=OrderEvent.Kind.LINE_CANCELLED).exists()

        # The rest is collected as usual; cancelling later refunds only what is left.
        order_mark_collected(order=order, channel=Channel.POS)
        assert stock_row(paris, cap) == (0, 0)

    def test_pay_at_pickup_owes_less(self, paris, shirt):
        cap = factories.VariantFactory(sku="CAP", price=Decimal("10.00"))
        receive(paris, shirt, 1)
        receive(paris, cap, 1)
        order = collect_order(paris, [(shirt, 1), (cap, 1)])
        not_found(order)
        due = order.payments.get(method="pay_at_pickup")
        assert due.amount == order.total - Decimal("30.00")

    def test_all_or_nothing_cancels_the_order_and_refunds_it(self, paris, shirt):
        cap = factories.VariantFactory(sku="CAP", price=Decimal("10.00"))
        receive(paris, shirt, 1)
        receive(paris, cap, 1)
        order = collect_order(paris, [(shirt, 1), (cap, 1)], payment="card")
        Order.objects.filter(pk=order.pk).update(all_or_nothing=True)
        order.refresh_from_db()

        outcome = not_found(order)

        assert outcome.kind == "order_cancelled"
        order.refresh_from_db()
        assert order.status == Order.Status.CANCELLED
        assert stock_row(paris, cap) == (1, 0)
        [refund] = Payment.objects.filter(refund_of__isnull=False)
        assert refund.amount == order.total

    def test_cancelling_after_a_cancelled_line_refunds_the_rest_only(self, paris, shirt):
        from shop.orders.services import order_cancel

        cap = factories.VariantFactory(sku="CAP", price=Decimal("10.00"))
        receive(paris, shirt, 1)
        receive(paris, cap, 1)
        order = collect_order(paris, [(shirt, 1), (cap, 1)], payment="card")
        not_found(order)
        order_cancel(order=order, channel=Channel.POS)
        refunds = Payment.objects.filter(refund_of__isnull=False).order_by("id")
        assert [r.amount for r in refunds] == [Decimal("30.00"), order.total - Decimal("30.00")]


class TestRefusals:
    def test_a_collected_order(self, paris, shirt):
        receive(paris, shirt, 2)
        order = collect_order(paris, [(shirt, 1)])
        open_till(paris)
        order_mark_collected(order=order, channel=Channel.POS)
        with pytest.raises(OrderStatusConflict):
            not_found(order)

    def test_nothing_held_for_the_line(self, paris, shirt):
        from inventory.services import stock_release

        receive(paris, shirt, 2)
        order = collect_order(paris, [(shirt, 1)])
        stock_release(reservations=Reservation.objects.filter(order_line__order=order))
        with pytest.raises(NothingHeld):
            not_found(order)
        assert not StockCount.objects.exists()

    def test_an_sku_not_in_the_order(self, paris, shirt):
        from shop.errors import InvalidInput

        receive(paris, shirt, 2)
        order = collect_order(paris, [(shirt, 1)])
        with pytest.raises(InvalidInput):
            not_found(order, sku="NOPE")


def test_cancelled_units_cannot_be_returned(paris, shirt):
    from shop.orders.errors import ReturnExceedsPurchase
    from shop.orders.returns import ReturnRequest, return_create

    cap = factories.VariantFactory(sku="CAP", price=Decimal("10.00"))
    receive(paris, shirt, 1)
    receive(paris, cap, 1)
    order = collect_order(paris, [(shirt, 1), (cap, 1)], payment="card")
    not_found(order)
    order_mark_collected(order=order, channel=Channel.POS)
    with pytest.raises(ReturnExceedsPurchase) as caught:
        return_create(
            order=order,
            store=paris,
            lines=[ReturnRequest("SHIRT", 1)],
            restock=True,
            channel=Channel.POS,
        )
    assert caught.value.details == [{"sku": "SHIRT", "requested": 1, "returnable": 0}]
    returned = return_create(
        order=order, store=paris, lines=[ReturnRequest("CAP", 1)], restock=True, channel=Channel.POS
    )
    assert returned.refund_amount == Decimal("10.00")
