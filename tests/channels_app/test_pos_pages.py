"""The clerk's HTML pages: till, receipts, drawer, pickup desk and returns."""

import html
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from carts.checkout import CheckoutDetails, checkout_place
from carts.pos import TillPayment, pos_sale_complete
from carts.services import cart_anonymous_new, cart_for_customer, cart_line_add
from inventory.models import Reservation, StockMovement
from shop.orders.models import Order, Return
from shop.orders.returns import ReturnRequest, return_create
from shop.orders.services import order_cancel, order_mark_collected, order_mark_ready
from shop.payments.drawer import drawer_open, drawer_open_session
from shop.payments.models import CashDrawerSession, Payment
from tests import factories
from tests.carts.support import promotion
from tests.channels_app.support import receive, stock_row, till_sale

TILL = "/pos/"
SCAN = "/pos/sale/scan/"
COMPLETE = "/pos/sale/complete/"
PAGES = ["/pos/", "/pos/pickups/", "/pos/returns/", "/pos/drawer/", "/pos/pickups/pick-list/"]


def text(response) -> str:
    """The page as a person reads it (entities decoded)."""
    return html.unescape(response.content.decode())


def sale_lines(client, store) -> dict:
    return till_sale(client, store)["lines"]


def signature(client) -> str:
    """The sale signature the till page puts in its payment form."""
    return client.get(TILL).context["signature"]


def pay(client, store, *, method="card", key=None, confirmed=True, **fields):
    body = {
        "store": store.code,
        "idempotency_key": key or str(uuid.uuid4()),
        "sale": signature(client),
        "method": method,
        "confirmed": "on" if confirmed else "",
        **fields,
    }
    if method == "card":
        body.setdefault("terminal_reference", "TERM-0001")
    return client.post(COMPLETE, body)


def scan(client, store, code: str):
    return client.post(SCAN, {"store": store.code, "code": code})


def collect_order(store, variant, quantity=1, email="ann@example.com") -> Order:
    """A click-and-collect order placed through the web checkout, paid at pickup."""
    cart = cart_anonymous_new()
    cart_line_add(cart=cart, sku=variant.sku, quantity=quantity, channel="web")
    return checkout_place(
        cart=cart,
        details=CheckoutDetails(
            email=email,
            fulfilment=Order.Fulfilment.COLLECT,
            payment_method="pay_at_pickup",
            store=store,
        ),
    )


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


@pytest.fixture
def stocked(store, variant):
    receive(store, variant, 10)
    return variant


@pytest.fixture
def open_till(store, clerk):
    return drawer_open(store=store, user=clerk, opening_float=Decimal("100.00"))


# --- access ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_anonymous_is_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_a_shopper_is_refused(client, shopper, url):
    client.force_login(shopper)
    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_a_shopper_cannot_post_a_sale(client, shopper, store, stocked):
    client.force_login(shopper)
    response = client.post(COMPLETE, {"store": store.code, "method": "card"})
    assert response.status_code == 403
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_a_clerk_works_at_their_store(clerk_client, store):
    response = clerk_client.get(TILL)
    assert response.status_code == 200
    assert store.name in text(response)


@pytest.mark.django_db
def test_a_clerk_cannot_see_another_stores_pages(clerk_client, other_store):
    for url in PAGES:
        assert clerk_client.get(f"{url}?store={other_store.code}").status_code == 403, url


@pytest.mark.django_db
def test_a_clerk_cannot_act_on_another_stores_pickup(clerk_client, other_store, variant):
    receive(other_store, variant, 2)
    order = collect_order(other_store, variant)
    assert clerk_client.get(f"/pos/pickups/{order.number}/").status_code == 403
    assert clerk_client.post(f"/pos/pickups/{order.number}/ready/").status_code == 403
    assert clerk_client.post(f"/pos/pickups/{order.number}/collected/").status_code == 403
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED


@pytest.mark.django_db
def test_a_clerk_cannot_sell_or_take_returns_as_another_store(
    clerk_client, store, other_store, stocked, manager
):
    receive(other_store, stocked, 3)
    scan(clerk_client, store, stocked.sku)
    response = clerk_client.post(
        COMPLETE,
        {
            "store": other_store.code,
            "idempotency_key": "k1",
            "sale": "x",
            "method": "card",
            "terminal_reference": "T",
        },
    )
    assert response.status_code == 403
    sale = pos_sale_complete(
        store=other_store,
        clerk=manager,
        payment=TillPayment(method="card", terminal_reference="T"),
        lines=[(stocked, 1)],
    )
    assert clerk_client.get(f"/pos/receipts/{sale.number}/").status_code == 403
    line = sale.lines.get()
    response = clerk_client.post(
        f"/pos/returns/{sale.number}/",
        {
            "store": other_store.code,
            "idempotency_key": "k2",
            f"qty_{line.pk}": "1",
            "restock": "yes",
            "refund_method": "original",
        },
    )
    assert response.status_code == 403
    assert not Return.objects.exists()
    assert Order.objects.count() == 1
    record = return_create(
        order=sale,
        store=other_store,
        lines=[ReturnRequest(stocked.sku, 1)],
        restock=True,
        channel="pos",
    )
    assert clerk_client.get(f"/pos/returns/done/{record.pk}/").status_code == 403


@pytest.mark.django_db
def test_a_manager_picks_the_store(client, manager, store, other_store):
    client.force_login(manager)
    response = client.get(TILL)
    assert response.status_code == 302
    assert response["Location"].startswith("/pos/store/")
    client.post("/pos/store/", {"store": other_store.code, "next": TILL})
    response = client.get(TILL)
    assert response.status_code == 200
    assert response.wsgi_request.pos_store == other_store
    assert other_store.name in text(response)


# --- the till -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_scanning_a_barcode_adds_a_line_and_shows_stock_here(clerk_client, store, stocked):
    response = scan(clerk_client, store, stocked.barcode)
    assert response.status_code == 302
    assert sale_lines(clerk_client, store) == {stocked.sku: 1}
    scan(clerk_client, store, stocked.sku)
    assert sale_lines(clerk_client, store) == {stocked.sku: 2}
    page = text(clerk_client.get(TILL))
    assert stocked.display_name in page
    assert "10 available here" in page
    assert "€39.80" in page


@pytest.mark.django_db
def test_scanning_a_name_lists_products_to_add(clerk_client, store, stocked):
    response = scan(clerk_client, store, stocked.product.name)
    assert response.status_code == 302
    page = clerk_client.get(response["Location"])
    assert list(page.context["products"]) == [stocked.product]
    assert sale_lines(clerk_client, store) == {}
    clerk_client.post("/pos/sale/lines/", {"store": store.code, "sku": stocked.sku})
    assert sale_lines(clerk_client, store) == {stocked.sku: 1}


@pytest.mark.django_db
def test_a_line_short_here_lists_other_stores_and_the_warehouse(
    clerk_client, store, other_store, warehouse, variant
):
    receive(other_store, variant, 4)
    receive(warehouse, variant, 7)
    scan(clerk_client, store, variant.sku)
    response = clerk_client.get(TILL)
    stock = response.context["stock"][variant.sku]
    assert stock.here == 0
    assert set(stock.elsewhere) == {(other_store, 4), (warehouse, 7)}
    page = text(response)
    assert "None here" in page
    assert other_store.name in page
    assert warehouse.name in page
    assert "/pos/endless-aisle/?sku=TEE-M" in page


@pytest.mark.django_db
def test_quantity_edit_and_remove(clerk_client, store, stocked):
    scan(clerk_client, store, stocked.sku)
    clerk_client.post(f"/pos/sale/lines/{stocked.sku}/", {"store": store.code, "quantity": "3"})
    assert sale_lines(clerk_client, store) == {stocked.sku: 3}
    clerk_client.post(f"/pos/sale/lines/{stocked.sku}/remove/", {"store": store.code})
    assert sale_lines(clerk_client, store) == {}


@pytest.mark.django_db
def test_an_invalid_promotion_code_is_a_message(clerk_client, store, stocked):
    scan(clerk_client, store, stocked.sku)
    response = clerk_client.post(
        "/pos/sale/codes/", {"store": store.code, "code": "NOPE"}, follow=True
    )
    assert response.status_code == 200
    assert "The code 'NOPE' is unknown or no longer valid." in text(response)


@pytest.mark.django_db
def test_a_promotion_code_prices_the_sale_as_the_web_does(clerk_client, store, stocked):
    promotion(code="TEN", value="10", name="Ten percent")
    scan(clerk_client, store, stocked.sku)
    clerk_client.post("/pos/sale/codes/", {"store": store.code, "code": "ten"})
    priced = clerk_client.get(TILL).context["priced"]
    assert (priced.subtotal, priced.discount, priced.total) == (
        Decimal("19.90"),
        Decimal("1.99"),
        Decimal("17.91"),
    )
    pay(clerk_client, store)
    order = Order.objects.get()
    assert (order.discount, order.total) == (Decimal("1.99"), Decimal("17.91"))
    assert order.promotions.get().promotion.code == "TEN"


@pytest.mark.django_db
def test_a_customer_is_found_and_attached(clerk_client, store):
    customer = factories.CustomerFactory(name="Camille Martin", phone="+33 6 12 34 56 78")
    page = clerk_client.get(f"{TILL}?customer_q=12 34 56")
    assert list(page.context["customer_matches"]) == [customer]
    clerk_client.post("/pos/sale/customer/", {"store": store.code, "customer": customer.pk})
    assert clerk_client.get(TILL).context["contents"].customer == customer


@pytest.mark.django_db
def test_a_handoff_code_loads_the_cart_and_the_sale_empties_it(clerk_client, store, stocked):
    customer = factories.CustomerFactory()
    cart = cart_for_customer(customer=customer)
    cart_line_add(cart=cart, sku=stocked.sku, quantity=2, channel="web")
    scan(clerk_client, store, cart.handoff_code.lower())
    page = clerk_client.get(TILL)
    assert page.context["contents"].cart == cart
    assert page.context["contents"].customer == customer
    response = pay(clerk_client, store)
    assert response.status_code == 302
    order = Order.objects.get()
    assert response["Location"] == f"/pos/receipts/{order.number}/"
    assert order.customer == customer
    assert [(line.sku, line.quantity) for line in order.lines.all()] == [(stocked.sku, 2)]
    cart.refresh_from_db()
    assert not cart.lines.exists()
    assert cart.handoff_code != page.context["contents"].sale.cart_code
    assert stock_row(store, stocked) == (8, 0)
    assert clerk_client.get(TILL).context["contents"].cart is None


@pytest.mark.django_db
def test_the_customers_saved_cart_loads_in_one_click(clerk_client, store, stocked):
    customer = factories.CustomerFactory()
    cart = cart_for_customer(customer=customer)
    cart_line_add(cart=cart, sku=stocked.sku, quantity=1, channel="web")
    clerk_client.post("/pos/sale/customer/", {"store": store.code, "customer": customer.pk})
    page = clerk_client.get(TILL)
    assert page.context["saved_cart"] == cart
    assert "Load this cart" in text(page)
    clerk_client.post("/pos/sale/cart/", {"store": store.code, "code": cart.handoff_code})
    assert clerk_client.get(TILL).context["contents"].cart == cart


@pytest.mark.django_db
def test_cash_shows_the_change_due_before_confirming(clerk_client, store, stocked, open_till):
    scan(clerk_client, store, stocked.sku)
    review = pay(clerk_client, store, method="cash", tendered="50.00", confirmed=False)
    assert review.status_code == 200
    assert review.context["review"]["change"] == Decimal("30.10")
    assert "Change due" in text(review)
    assert "€30.10" in text(review)
    assert not Order.objects.exists()
    response = pay(clerk_client, store, method="cash", tendered="50.00")
    order = Order.objects.get()
    payment = order.payments.get()
    assert (payment.method, payment.tendered, payment.change_due) == (
        Payment.Method.CASH,
        Decimal("50.00"),
        Decimal("30.10"),
    )
    assert payment.drawer_session == open_till
    receipt = text(clerk_client.get(response["Location"]))
    assert "Change" in receipt
    assert "€30.10" in receipt


@pytest.mark.django_db
def test_cash_needs_an_open_drawer(clerk_client, store, stocked):
    scan(clerk_client, store, stocked.sku)
    response = pay(clerk_client, store, method="cash", tendered="20.00")
    assert response.status_code == 302
    page = text(clerk_client.get(response["Location"]))
    assert "The drawer is closed" in page
    assert not Order.objects.exists()
    assert sale_lines(clerk_client, store) == {stocked.sku: 1}


@pytest.mark.django_db
def test_not_enough_stock_names_the_item_and_charges_nothing(clerk_client, store, variant):
    receive(store, variant, 1)
    scan(clerk_client, store, variant.sku)
    scan(clerk_client, store, variant.sku)
    response = pay(clerk_client, store)
    assert response.status_code == 302
    page = text(clerk_client.get(response["Location"]))
    assert f"Not enough stock at {store.name} for {variant.display_name}" in page
    assert "Nothing was charged" in page
    assert not Order.objects.exists()
    assert not Payment.objects.exists()
    assert stock_row(store, variant) == (1, 0)
    assert sale_lines(clerk_client, store) == {variant.sku: 2}


@pytest.mark.django_db
def test_a_double_submit_makes_one_sale(clerk_client, store, stocked):
    scan(clerk_client, store, stocked.sku)
    key = str(uuid.uuid4())
    sig = signature(clerk_client)
    body = {
        "store": store.code,
        "idempotency_key": key,
        "sale": sig,
        "method": "card",
        "terminal_reference": "TERM-42",
    }
    first = clerk_client.post(COMPLETE, body)
    second = clerk_client.post(COMPLETE, body)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Order.objects.count() == 1
    assert stock_row(store, stocked) == (9, 0)


@pytest.mark.django_db
def test_a_sale_changed_since_the_page_was_shown_is_not_charged(clerk_client, store, stocked):
    scan(clerk_client, store, stocked.sku)
    sig = signature(clerk_client)
    scan(clerk_client, store, stocked.sku)  # another tab adds one
    response = clerk_client.post(
        COMPLETE,
        {
            "store": store.code,
            "idempotency_key": "k",
            "sale": sig,
            "method": "card",
            "terminal_reference": "T",
        },
        follow=True,
    )
    assert "The sale changed since this page was shown" in text(response)
    assert not Order.objects.exists()


# --- endless aisle --------------------------------------------------------------------------


@pytest.mark.django_db
def test_endless_aisle_orders_for_delivery_with_the_terminal(
    clerk_client, store, warehouse, variant
):
    receive(warehouse, variant, 5)
    customer = factories.CustomerFactory(email="ann@example.com")
    clerk_client.post("/pos/sale/customer/", {"store": store.code, "customer": customer.pk})
    scan(clerk_client, store, variant.sku)
    form = clerk_client.get(f"/pos/endless-aisle/?sku={variant.sku}")
    assert form.status_code == 200
    response = clerk_client.post(
        "/pos/endless-aisle/",
        {
            "store": store.code,
            "idempotency_key": str(uuid.uuid4()),
            "skus": [variant.sku],
            "email": customer.email,
            "fulfilment": "delivery",
            "name": "Ann Example",
            "line1": "1 Rue de la Paix",
            "postcode": "75002",
            "city": "Paris",
            "country": "France",
            "payment_method": "card",
            "terminal_reference": "TERM-7",
        },
    )
    order = Order.objects.get()
    assert response["Location"] == f"/pos/receipts/{order.number}/"
    assert (order.channel, order.fulfilment, order.status, order.customer) == (
        "pos",
        Order.Fulfilment.DELIVERY,
        Order.Status.PLACED,
        customer,
    )
    assert order.payments.get().reference == "TERM-7"
    assert Reservation.objects.get(order_line__order=order).location == warehouse
    assert sale_lines(clerk_client, store) == {}


# --- drawer ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_drawer_expected_against_counted_with_a_sale_and_a_refund(clerk_client, store, stocked):
    clerk_client.post("/pos/drawer/open/", {"store": store.code, "opening_float": "100.00"})
    session = drawer_open_session(store=store)
    assert session.opening_float == Decimal("100.00")

    scan(clerk_client, store, stocked.sku)
    scan(clerk_client, store, stocked.sku)
    sale = pay(clerk_client, store, method="cash", tendered="50.00")
    order = Order.objects.get(number=sale["Location"].split("/")[-2])
    assert order.total == Decimal("39.80")

    line = order.lines.get()
    clerk_client.post(
        f"/pos/returns/{order.number}/",
        {
            "store": store.code,
            "idempotency_key": str(uuid.uuid4()),
            f"qty_{line.pk}": "1",
            "restock": "yes",
            "refund_method": "cash",
        },
    )
    assert Return.objects.get().refund_amount == Decimal("19.90")

    page = clerk_client.get("/pos/drawer/")
    assert page.context["expected"] == Decimal("119.90")  # 100 + 39.80 − 19.90
    assert "€119.90" in text(page)

    response = clerk_client.post(
        "/pos/drawer/close/", {"store": store.code, "counted_cash": "118.90"}, follow=True
    )
    session.refresh_from_db()
    assert session.closed_at is not None
    assert (session.expected_cash, session.counted_cash, session.difference) == (
        Decimal("119.90"),
        Decimal("118.90"),
        Decimal("-1.00"),
    )
    page = text(response)
    assert "Cash is missing" in page
    assert "−€1.00" in page
    assert drawer_open_session(store=store) is None


@pytest.mark.django_db
def test_opening_an_open_drawer_is_a_message(clerk_client, store, open_till):
    response = clerk_client.post(
        "/pos/drawer/open/", {"store": store.code, "opening_float": "50.00"}, follow=True
    )
    assert response.status_code == 200
    assert "is already open" in text(response)
    assert CashDrawerSession.objects.count() == 1


# --- pickup desk ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_desk_marks_ready_then_collected(clerk_client, store, stocked, open_till):
    order = collect_order(store, stocked, quantity=2)
    desk = clerk_client.get("/pos/pickups/")
    queues = {queue["key"]: queue["orders"] for queue in desk.context["queues"]}
    assert queues["to_pick"] == [order]
    assert order.number in text(clerk_client.get("/pos/pickups/pick-list/"))

    clerk_client.post(f"/pos/pickups/{order.number}/ready/", {"store": store.code})
    order.refresh_from_db()
    assert order.status == Order.Status.READY_FOR_PICKUP

    clerk_client.post(f"/pos/pickups/{order.number}/collected/", {"store": store.code})
    order.refresh_from_db()
    assert order.status == Order.Status.COLLECTED
    commit = StockMovement.objects.get(order=order)
    assert (commit.kind, commit.quantity, commit.location) == (
        StockMovement.Kind.RESERVATION_COMMIT,
        -2,
        store,
    )
    assert stock_row(store, stocked) == (8, 0)
    payment = order.payments.get()
    assert (payment.status, payment.method) == (Payment.Status.CAPTURED, Payment.Method.CASH)
    assert payment.drawer_session == open_till


@pytest.mark.django_db
def test_cash_at_the_desk_needs_an_open_till(clerk_client, store, stocked):
    order = collect_order(store, stocked)
    body = {"store": store.code, "payment_method": "cash"}
    response = clerk_client.post(f"/pos/pickups/{order.number}/collected/", body, follow=True)
    assert f"Open the till at {store.name} before taking or giving cash." in text(response)
    order.refresh_from_db()
    assert order.status == Order.Status.PLACED


@pytest.mark.django_db
def test_card_at_the_desk_records_the_terminal_reference(clerk_client, store, stocked):
    order = collect_order(store, stocked)
    url = f"/pos/pickups/{order.number}/collected/"
    body = {"store": store.code, "payment_method": "card"}
    response = clerk_client.post(url, body, follow=True)
    assert "Enter the card terminal's reference." in text(response)

    clerk_client.post(url, {**body, "terminal_reference": "TERM-9"})
    order.refresh_from_db()
    payment = order.payments.get()
    assert (order.status, payment.method, payment.reference, payment.store) == (
        Order.Status.COLLECTED,
        Payment.Method.CARD,
        "TERM-9",
        store,
    )


@pytest.mark.django_db
def test_a_desk_action_in_the_wrong_state_is_a_message(clerk_client, store, stocked, open_till):
    order = collect_order(store, stocked)
    clerk_client.post(f"/pos/pickups/{order.number}/collected/", {"store": store.code})
    response = clerk_client.post(
        f"/pos/pickups/{order.number}/ready/", {"store": store.code}, follow=True
    )
    assert response.status_code == 200
    assert f"Order {order.number} is collected; it cannot become ready for pickup." in text(
        response
    )


@pytest.mark.django_db
def test_the_desk_finds_an_order_by_scanned_number(clerk_client, store, stocked):
    order = collect_order(store, stocked)
    response = clerk_client.get(f"/pos/pickups/?find={order.number[3:].lower()}")
    assert response["Location"] == f"/pos/pickups/{order.number}/"
    assert order.number in text(clerk_client.get(response["Location"]))


# --- returns --------------------------------------------------------------------------------


@pytest.fixture
def sold_elsewhere(other_store, variant, manager):
    """A sale of 2 at the other store."""
    receive(other_store, variant, 2)
    return pos_sale_complete(
        store=other_store,
        clerk=manager,
        payment=TillPayment(method="card", terminal_reference="T"),
        lines=[(variant, 2)],
    )


@pytest.mark.django_db
def test_a_return_restocks_at_this_store(clerk_client, store, other_store, variant, sold_elsewhere):
    line = sold_elsewhere.lines.get()
    form = clerk_client.get(f"/pos/returns/{sold_elsewhere.number}/")
    assert 'max="2"' in form.content.decode()
    response = clerk_client.post(
        f"/pos/returns/{sold_elsewhere.number}/",
        {
            "store": store.code,
            "idempotency_key": str(uuid.uuid4()),
            f"qty_{line.pk}": "1",
            "restock": "yes",
            "refund_method": "original",
        },
    )
    record = Return.objects.get()
    assert response["Location"] == f"/pos/returns/done/{record.pk}/"
    assert (record.store, record.channel, record.refund_amount) == (store, "pos", Decimal("19.90"))
    assert stock_row(store, variant) == (1, 0)
    assert stock_row(other_store, variant) == (0, 0)
    done = clerk_client.get(response["Location"])
    assert done.context["stock"][0]["on_hand"] == 1
    assert "€19.90" in text(done)


@pytest.mark.django_db
def test_returning_more_than_bought_is_a_message_and_changes_nothing(
    clerk_client, store, variant, sold_elsewhere
):
    line = sold_elsewhere.lines.get()
    response = clerk_client.post(
        f"/pos/returns/{sold_elsewhere.number}/",
        {
            "store": store.code,
            "idempotency_key": str(uuid.uuid4()),
            f"qty_{line.pk}": "3",
            "restock": "yes",
            "refund_method": "original",
        },
    )
    assert response.status_code == 409
    assert "More would be returned than was bought: TEE-M (2 returnable)" in text(response)
    line.refresh_from_db()
    assert line.returned_quantity == 0
    assert not Return.objects.exists()
    assert stock_row(store, variant) == (0, 0)
    assert sold_elsewhere.payments.count() == 1


@pytest.mark.django_db
def test_returns_list_a_customers_orders_of_every_channel(clerk_client, store, stocked):
    customer = factories.CustomerFactory(name="Ann Example", email="ann@example.com")
    web = collect_order(store, stocked, email="ann@example.com")
    till = pos_sale_complete(
        store=store,
        clerk=None,
        payment=TillPayment(method="card", terminal_reference="T"),
        lines=[(stocked, 1)],
        customer=customer,
    )
    matches = clerk_client.get("/pos/returns/?q=ann example").context["matches"]
    assert list(matches) == [customer]
    orders = clerk_client.get(f"/pos/returns/?customer={customer.pk}").context["orders"]
    assert {o.number for o in orders} == {web.number, till.number}


# --- CSRF and query counts ------------------------------------------------------------------


@pytest.mark.django_db
def test_posts_need_the_csrf_token(clerk, store, stocked):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk)
    assert client.post(SCAN, {"store": store.code, "code": stocked.sku}).status_code == 403
    assert sale_lines(client, store) == {}
    page = client.get(TILL)
    token = page.context["csrf_token"]
    assert f'name="csrfmiddlewaretoken" value="{token}"' in page.content.decode()
    response = client.post(
        SCAN, {"store": store.code, "code": stocked.sku, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    assert sale_lines(client, store) == {stocked.sku: 1}


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.django_db
def test_the_till_makes_a_fixed_number_of_queries(clerk_client, store, warehouse):
    variants = [factories.VariantFactory() for _ in range(6)]
    for variant in variants:
        receive(warehouse, variant, 3)  # none here: every line lists where else it is
    scan(clerk_client, store, variants[0].sku)
    _queries(clerk_client, TILL)  # both measured with the page's cached fragments
    few = _queries(clerk_client, TILL)
    for variant in variants[1:]:
        scan(clerk_client, store, variant.sku)
    assert len(sale_lines(clerk_client, store)) == 6
    assert _queries(clerk_client, TILL) == few


def _fill_desk(store, variant, n: int) -> None:
    """n more orders in each queue: to pick, ready, collected, cancelled."""
    for _ in range(n):
        collect_order(store, variant)
        order_mark_ready(order=collect_order(store, variant), channel="pos")
        order_mark_collected(
            order=collect_order(store, variant),
            channel="pos",
            payment_method="card",
            terminal_reference="T-1",
        )
        order_cancel(order=collect_order(store, variant), channel="pos")


@pytest.mark.django_db
def test_the_pickup_desk_makes_a_fixed_number_of_queries(clerk_client, store, variant, settings):
    settings.MAX_UNPAID_COLLECT_ORDERS = 20  # one shopper fills the desk here
    receive(store, variant, 50)
    _fill_desk(store, variant, 1)
    few = _queries(clerk_client, "/pos/pickups/")
    _fill_desk(store, variant, 3)
    queues = clerk_client.get("/pos/pickups/").context["queues"]
    assert [len(queue["orders"]) for queue in queues] == [4, 4, 4, 4]
    assert _queries(clerk_client, "/pos/pickups/") == few


@pytest.mark.django_db
def test_open_queues_are_paged_soonest_deadline_first(
    clerk_client, store, variant, settings, monkeypatch
):
    from channels_app.views.pos import pickups

    monkeypatch.setattr(pickups, "OPEN_SHOWN", 2)
    settings.MAX_UNPAID_COLLECT_ORDERS = 20
    receive(store, variant, 20)
    orders = [collect_order(store, variant) for _ in range(5)]

    def to_pick(query: str = "") -> dict:
        page = clerk_client.get(f"/pos/pickups/{query}")
        assert page.status_code == 200
        return {queue["key"]: queue for queue in page.context["queues"]}["to_pick"]

    first = to_pick()
    assert first["size"] == 5
    assert first["orders"] == orders[:2]
    assert (first["previous"], first["next"]) == (None, 2)
    last = to_pick("?to_pick=3")
    assert last["orders"] == orders[4:]
    assert (last["first"], last["last"], last["next"]) == (5, 5, None)
    assert to_pick("?to_pick=99")["orders"] == orders[4:]  # past the end: the last page
    assert to_pick("?to_pick=x")["orders"] == orders[:2]
    assert "3–4 of 5" in text(clerk_client.get("/pos/pickups/?to_pick=2"))
