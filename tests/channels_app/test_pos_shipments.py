"""The shipping queue at the till: delivery orders held at the clerk's location, the pick page
of this location's part, "not found" (held again here, from another location, cancelled and
refunded) and "shipped" (this part leaves, the customer is emailed once)."""

import uuid
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import translation

from inventory.models import Reservation
from shop.orders.models import Order
from shop.outbox.models import OutboxMessage
from shop.payments.models import Payment
from shop.shipping.models import Shipment
from tests import factories
from tests.channels_app.support import page_queries, page_text, receive, stock_row
from tests.shop.order_support import collect_order, delivery_order

pytestmark = pytest.mark.django_db


def located(code, name, lat, lon, *, kind="store", ships_online=True):
    return factories.LocationFactory(
        code=code,
        name=name,
        kind=kind,
        ships_online=ships_online,
        click_and_collect=kind == "store",
        latitude=Decimal(lat),
        longitude=Decimal(lon),
    )


@pytest.fixture
def paris(db):
    return located("paris", "Paris Marais", "48.85900", "2.35900")


@pytest.fixture
def lyon(db):
    return located("lyon", "Lyon", "45.76404", "4.83566")


@pytest.fixture
def shirt(db):
    return factories.VariantFactory(sku="SHIRT", price=Decimal("30.00"))


@pytest.fixture
def cap(db):
    return factories.VariantFactory(sku="CAP", price=Decimal("10.00"))


@pytest.fixture
def clerk(paris):
    return factories.clerk(store=paris, username="clerk-paris")


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


def held(order):
    return sorted(
        Reservation.objects.filter(order_line__order=order, state="active").values_list(
            "location__code", "quantity"
        )
    )


def shipped_emails(order):
    return OutboxMessage.objects.filter(
        topic="orders.email", key__startswith=f"order:{order.pk}:shipped"
    )


def not_found(client, order, sku, key=None, **fields):
    return client.post(
        f"/pos/shipments/{order.number}/not-found/",
        {"sku": sku, "idempotency_key": key or str(uuid.uuid4()), **fields},
    )


def ship(client, order, key=None, carrier="colissimo", tracking="6A123"):
    return client.post(
        f"/pos/shipments/{order.number}/shipped/",
        {
            "carrier": carrier,
            "tracking_number": tracking,
            "idempotency_key": key or str(uuid.uuid4()),
        },
    )


class TestQueue:
    def test_delivery_orders_held_here_oldest_first(self, clerk_client, paris, lyon, shirt):
        receive(paris, shirt, 5)
        first = delivery_order([(shirt, 1)], email="a@example.com")
        second = delivery_order([(shirt, 2)], email="b@example.com")
        collect = collect_order(paris, [(shirt, 1)], email="c@example.com")
        receive(lyon, shirt, 9)
        elsewhere = delivery_order([(shirt, 1)], email="d@example.com")
        assert held(elsewhere) == [("lyon", 1)]

        response = clerk_client.get("/pos/shipments/")

        text = page_text(response)
        assert response.status_code == 200
        assert text.index(first.number) < text.index(second.number)
        assert collect.number not in text
        assert elsewhere.number not in text
        assert 'href="/pos/shipments/"' in text  # in the till's navigation

    def test_a_store_that_does_not_ship_has_no_queue(self, client, shirt):
        store = factories.LocationFactory(code="kiosk", name="Kiosk", ships_online=False)
        client.force_login(factories.clerk(store=store, username="clerk-kiosk"))
        assert 'href="/pos/shipments/"' not in client.get("/pos/").content.decode()
        assert client.get("/pos/shipments/").status_code == 404

    def test_a_warehouse_clerk_ships_from_the_warehouse(self, client, shirt):
        warehouse = located("wh", "Warehouse", "48.9", "2.4", kind="warehouse")
        receive(warehouse, shirt, 2)
        order = delivery_order([(shirt, 1)])
        client.force_login(factories.clerk(store=warehouse, username="clerk-wh"))

        assert order.number in client.get("/pos/shipments/").content.decode()
        assert client.get(f"/pos/shipments/{order.number}/").status_code == 200

    def test_find_by_number(self, clerk_client, paris, shirt):
        receive(paris, shirt, 1)
        order = delivery_order([(shirt, 1)])
        typed = order.number.removeprefix("OS-").lower()
        response = clerk_client.get(f"/pos/shipments/?find={typed}")
        assert response.url == f"/pos/shipments/{order.number}/"

    def test_queries_stay_flat(self, clerk_client, paris, shirt, django_assert_max_num_queries):
        receive(paris, shirt, 100)
        delivery_order([(shirt, 1)])
        few = page_queries(clerk_client, "/pos/shipments/")
        for n in range(12):
            delivery_order([(shirt, 1)], email=f"many{n}@example.com")
        with django_assert_max_num_queries(few):
            assert clerk_client.get("/pos/shipments/").status_code == 200

    def test_paged(self, clerk_client, paris, shirt):
        receive(paris, shirt, 30)
        orders = [delivery_order([(shirt, 1)], email=f"p{n}@example.com") for n in range(26)]
        first = page_text(clerk_client.get("/pos/shipments/"))
        second = page_text(clerk_client.get("/pos/shipments/?page=2"))
        assert orders[0].number in first
        assert orders[25].number not in first
        assert orders[25].number in second
        assert "Page 2 of 2" in second


class TestPickPage:
    def test_a_clerk_of_another_store_gets_404(self, client, paris, lyon, shirt):
        receive(paris, shirt, 1)
        order = delivery_order([(shirt, 1)])
        client.force_login(factories.clerk(store=lyon, username="clerk-lyon"))

        assert client.get(f"/pos/shipments/{order.number}/").status_code == 404
        assert client.get(f"/pos/shipments/{order.number}/not-found/?sku=SHIRT").status_code == 404
        assert not_found(client, order, "SHIRT").status_code == 404
        assert ship(client, order).status_code == 404
        assert held(order) == [("paris", 1)]
        assert not Shipment.objects.exists()

    def test_a_collect_order_is_not_here(self, clerk_client, paris, shirt):
        receive(paris, shirt, 1)
        order = collect_order(paris, [(shirt, 1)])
        assert clerk_client.get(f"/pos/shipments/{order.number}/").status_code == 404

    def test_a_split_order_shows_only_this_locations_part(
        self, clerk_client, paris, lyon, shirt, cap
    ):
        receive(paris, shirt, 1)
        receive(lyon, cap, 1)
        order = delivery_order([(shirt, 1), (cap, 1)])
        assert held(order) == [("lyon", 1), ("paris", 1)]

        text = page_text(clerk_client.get(f"/pos/shipments/{order.number}/"))

        assert "SHIRT" in text
        assert "CAP" not in text
        assert "1 more unit ships from another location" in text
        assert "Part of it ships from elsewhere" in page_text(clerk_client.get("/pos/shipments/"))

    def test_not_found_asks_for_confirmation_first(self, clerk_client, paris, shirt):
        receive(paris, shirt, 1)
        order = delivery_order([(shirt, 1)])
        response = clerk_client.get(f"/pos/shipments/{order.number}/not-found/?sku=SHIRT")
        assert response.status_code == 200
        assert "Confirm: not found" in page_text(response)
        assert held(order) == [("paris", 1)]  # nothing done yet


class TestNotFound:
    def test_held_again_here(self, clerk_client, paris, shirt):
        receive(paris, shirt, 3)
        order = delivery_order([(shirt, 1)])

        response = not_found(clerk_client, order, "SHIRT")

        assert response.url == f"/pos/shipments/{order.number}/"
        text = page_text(clerk_client.get(response.url))
        assert "Another SHIRT is free here" in text
        assert "not found at Paris Marais" in text  # the order's timeline
        assert held(order) == [("paris", 1)]
        assert stock_row(paris, shirt) == (2, 1)

    def test_ships_from_another_location(self, clerk_client, paris, lyon, shirt):
        receive(paris, shirt, 1)
        order = delivery_order([(shirt, 1)])
        receive(lyon, shirt, 2)

        response = not_found(clerk_client, order, "SHIRT")

        assert response.url == "/pos/shipments/"  # nothing of it is held here any more
        text = page_text(clerk_client.get(response.url))
        assert "SHIRT will ship from Lyon instead" in text
        assert order.number not in text
        assert held(order) == [("lyon", 1)]
        assert stock_row(paris, shirt) == (0, 0)

    def test_cancelled_and_refunded(self, clerk_client, paris, shirt, cap):
        receive(paris, shirt, 1)
        receive(paris, cap, 1)
        order = delivery_order([(shirt, 1), (cap, 1)])
        key = str(uuid.uuid4())

        response = not_found(clerk_client, order, "SHIRT", key=key)
        again = not_found(clerk_client, order, "SHIRT", key=key)  # a double submit

        assert again.status_code == 302
        text = page_text(clerk_client.get(response.url))
        assert "SHIRT is nowhere: the line is cancelled and 30.00 refunded" in text
        order.refresh_from_db()
        assert order.status == Order.Status.PLACED
        assert order.lines.get(sku="SHIRT").cancelled_quantity == 1
        [refund] = Payment.objects.filter(refund_of__isnull=False)
        assert refund.amount == Decimal("30.00")
        assert held(order) == [("paris", 1)]  # the cap is still to ship

    def test_the_whole_order_cancelled_when_nothing_is_left(self, clerk_client, paris, shirt):
        receive(paris, shirt, 1)
        order = delivery_order([(shirt, 1)])

        response = not_found(clerk_client, order, "SHIRT")

        assert response.url == "/pos/shipments/"
        order.refresh_from_db()
        assert order.status == Order.Status.CANCELLED


class TestShipped:
    def test_ships_once_and_emails_once(
        self, clerk_client, clerk, paris, shirt, django_capture_on_commit_callbacks
    ):
        receive(paris, shirt, 2)
        order = delivery_order([(shirt, 2)])
        mail.outbox.clear()
        key = str(uuid.uuid4())

        with django_capture_on_commit_callbacks(execute=True):
            response = ship(clerk_client, order, key=key, tracking="6A999")
            again = ship(clerk_client, order, key=key, tracking="6A999")

        assert response.url == again.url == "/pos/shipments/"
        order.refresh_from_db()
        assert order.status == Order.Status.SHIPPED
        shipment = Shipment.objects.get()
        assert (shipment.shipped_from, shipment.staff_user) == (paris, clerk)
        assert stock_row(paris, shirt) == (0, 0)
        assert shipped_emails(order).count() == 1
        [email] = [m for m in mail.outbox if "on its way" in m.subject]
        assert "has left Paris Marais" in email.body
        assert "6A999" in email.body
        assert "part of your order" not in email.body
        assert "has left" in page_text(clerk_client.get("/pos/shipments/"))

    def test_a_split_order_ships_in_parts(
        self, client, clerk_client, paris, lyon, shirt, cap, django_capture_on_commit_callbacks
    ):
        receive(paris, shirt, 1)
        receive(lyon, cap, 1)
        order = delivery_order([(shirt, 1), (cap, 1)])
        mail.outbox.clear()

        with django_capture_on_commit_callbacks(execute=True):
            ship(clerk_client, order, tracking="PARIS-1")
        order.refresh_from_db()
        assert order.status == Order.Status.PLACED
        assert held(order) == [("lyon", 1)]
        assert stock_row(paris, shirt) == (0, 0)

        lyon_client = client.__class__()
        lyon_client.force_login(factories.clerk(store=lyon, username="clerk-lyon"))
        with django_capture_on_commit_callbacks(execute=True):
            ship(lyon_client, order, carrier="dpd", tracking="LYON-1")

        order.refresh_from_db()
        assert order.status == Order.Status.SHIPPED
        assert sorted(Shipment.objects.values_list("shipped_from__code", "tracking_number")) == [
            ("lyon", "LYON-1"),
            ("paris", "PARIS-1"),
        ]
        emails = [m for m in mail.outbox if "on its way" in m.subject]
        assert len(emails) == 2
        manager = client.__class__()
        manager.force_login(factories.manager())
        order_page = page_text(manager.get(f"/orders/{order.number}/"))
        assert "tracking number PARIS-1" in order_page
        assert "tracking number LYON-1" in order_page
        assert "PARIS-1" in emails[0].body
        assert "part of your order" in emails[0].body
        assert "LYON-1" in emails[1].body
        assert "has left Lyon" in emails[1].body
        assert stock_row(lyon, cap) == (0, 0)

    def test_all_or_nothing_no_longer_cancels_once_a_part_has_left(
        self, client, clerk_client, paris, lyon, shirt, cap
    ):
        receive(paris, shirt, 1)
        receive(lyon, cap, 1)
        order = delivery_order([(shirt, 1), (cap, 1)])
        Order.objects.filter(pk=order.pk).update(all_or_nothing=True)
        ship(clerk_client, order, tracking="PARIS-1")
        lyon_client = client.__class__()
        lyon_client.force_login(factories.clerk(store=lyon, username="clerk-lyon"))

        not_found(lyon_client, order, "CAP")

        order.refresh_from_db()
        # Only the cap is cancelled; with nothing else to ship, the order is shipped.
        assert order.status == Order.Status.SHIPPED
        assert order.lines.get(sku="CAP").cancelled_quantity == 1
        [refund] = Payment.objects.filter(refund_of__isnull=False)
        assert refund.amount == Decimal("10.00")

    def test_a_tracking_number_is_needed(self, clerk_client, paris, shirt):
        receive(paris, shirt, 1)
        order = delivery_order([(shirt, 1)])
        response = ship(clerk_client, order, tracking="  ")
        assert response.status_code == 400
        assert "Tracking number" in page_text(response)
        assert not Shipment.objects.exists()


@pytest.fixture
def back_in_english(settings):
    """A French request leaves French active in this thread; the next tests check out in
    English (checkout saves the active language on a new customer)."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_the_queue_in_french(clerk_client, paris, shirt, back_in_english):
    receive(paris, shirt, 1)
    order = delivery_order([(shirt, 1)])
    headers = {"Accept-Language": "fr"}
    assert "Commandes en livraison à expédier" in page_text(
        clerk_client.get("/pos/shipments/", headers=headers)
    )
    text = page_text(clerk_client.get(f"/pos/shipments/{order.number}/", headers=headers))
    assert "À préparer ici" in text
    assert "Marquer expédiée" in text
