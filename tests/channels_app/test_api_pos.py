"""The till API: customer look-up, a shopper's cart loaded by its handoff code, and sales."""

from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from carts.models import Cart, PromotionUsage
from channels_app.models import IdempotencyKey
from inventory.models import Stock, StockMovement
from shop.customers.models import CustomerEvent
from shop.orders.models import Order
from shop.outbox.models import OutboxMessage
from shop.payments.models import CashDrawerSession, Payment
from tests import factories
from tests.channels_app.support import assert_error, open_till, receive, reserve, stock_row
from tests.conftest import auth
from tests.shop.order_support import cart_with, collect_order, promotion

CUSTOMERS = "/api/pos/customers/"
SALES = "/api/pos/sales/"
CUSTOMER_FIELDS = {"id", "email", "name", "phone", "cart_lines"}


def cart_url(code: str) -> str:
    return f"/api/pos/carts/{code}/"


def post(client, body, key=None):
    headers = {"Idempotency-Key": key} if key else None
    return client.post(SALES, body, format="json", headers=headers)


def cash(tendered: str) -> dict:
    return {"method": "cash", "tendered": tendered}


CARD = {"method": "card", "terminal_reference": "TERM-0042"}


@pytest.fixture
def mug(db):
    return factories.VariantFactory(sku="MUG-1", price=Decimal("10.00"))


@pytest.fixture
def ann(db):
    return factories.CustomerFactory(
        email="ann.smith@example.com", name="Ann Smith", phone="+491705550123"
    )


@pytest.fixture
def stocked(store, other_store, variant, mug):
    """st1 holds 5 TEE-M and 3 MUG-1; st2 holds 10 of each."""
    receive(store, variant, 5)
    receive(store, mug, 3)
    receive(other_store, variant, 10)
    receive(other_store, mug, 10)


@pytest.fixture(autouse=True)
def open_tills(db, request):
    """Cash needs an open till: both stores of these tests have theirs open."""
    open_till(request.getfixturevalue("store"), request.getfixturevalue("other_store"))


def order_count() -> int:
    return Order.objects.count()


def sale_movements():
    return StockMovement.objects.filter(kind=StockMovement.Kind.SALE)


# --- customer look-up -----------------------------------------------------------------------


class TestCustomerSearch:
    @pytest.fixture
    def people(self, ann, variant, mug):
        cart_with([(variant, 2), (mug, 1)], customer=ann)
        bob = factories.CustomerFactory(
            email="bob@example.org", name="Bob Smithers", phone="+33611223344"
        )
        carol = factories.CustomerFactory(email="carol@example.net", name="Carol Jones", phone="")
        return ann, bob, carol

    def search(self, client, q):
        response = client.get(CUSTOMERS, {"q": q})
        assert response.status_code == 200, response.content
        return response.json()

    def test_by_email_with_cart_line_count(self, api, clerk, people):
        ann = people[0]

        [match] = self.search(auth(api, clerk), "ann.smith@")

        assert set(match) == CUSTOMER_FIELDS
        assert match == {
            "id": ann.pk,
            "email": "ann.smith@example.com",
            "name": "Ann Smith",
            "phone": "+491705550123",
            "cart_lines": 2,
        }

    def test_by_phone_digits(self, api, clerk, people):
        bob = people[1]

        matches = self.search(auth(api, clerk), "611223344")

        assert [(m["id"], m["cart_lines"]) for m in matches] == [(bob.pk, 0)]

    def test_by_name_case_insensitive_ordered_by_name(self, api, clerk, people):
        ann, bob, _ = people

        matches = self.search(auth(api, clerk), "SMITH")

        assert [(m["name"], m["cart_lines"]) for m in matches] == [
            ("Ann Smith", 2),
            ("Bob Smithers", 0),
        ]
        assert [m["id"] for m in matches] == [ann.pk, bob.pk]

    def test_a_one_letter_query_matches_nobody(self, api, clerk, people):
        assert self.search(auth(api, clerk), "a") == []

    def test_only_the_open_cart_counts(self, api, clerk, people, variant):
        ann = people[0]
        Cart.objects.filter(customer=ann).update(status=Cart.Status.MERGED)

        [match] = self.search(auth(api, clerk), "ann.smith")

        assert match["cart_lines"] == 0

    def test_a_manager_may_search(self, api, manager, people):
        assert [m["email"] for m in self.search(auth(api, manager), "example.net")] == [
            "carol@example.net"
        ]

    def test_anonymous_is_401_and_shopper_403(self, api, shopper, people):
        assert_error(api.get(CUSTOMERS, {"q": "ann"}), 401, "not_authenticated")
        assert_error(auth(api, shopper).get(CUSTOMERS, {"q": "ann"}), 403, "permission_denied")


# --- a cart at the till ---------------------------------------------------------------------


class TestPosCart:
    @pytest.fixture
    def ann_cart(self, ann, variant, mug, store, other_store):
        receive(store, variant, 5)
        reserve(store, variant, 1)  # held for a web order: not available here
        receive(other_store, mug, 3)
        return cart_with([(variant, 2), (mug, 1)], customer=ann)

    def test_lines_with_availability_at_the_clerks_store(self, api, clerk, ann, ann_cart):
        response = auth(api, clerk).get(cart_url(ann_cart.handoff_code))

        assert response.status_code == 200, response.content
        body = response.json()
        assert body["handoff_code"] == ann_cart.handoff_code
        assert body["store"] == "st1"
        assert body["customer"] == ann.pk
        assert [(ln["sku"], ln["quantity"], ln["available_here"]) for ln in body["lines"]] == [
            ("TEE-M", 2, 4),
            ("MUG-1", 1, 0),
        ]
        assert (body["subtotal"], body["total"], body["currency"]) == ("49.80", "49.80", "EUR")

    def test_available_here_counts_the_safety_stock_the_till_may_sell(
        self, api, clerk, ann_cart, store, variant
    ):
        Stock.objects.filter(location=store, variant=variant).update(safety_stock=3)
        response = auth(api, clerk).get(cart_url(ann_cart.handoff_code))
        here = {ln["sku"]: ln["available_here"] for ln in response.json()["lines"]}
        assert here["TEE-M"] == 4  # online availability there would be 1

    def test_the_code_is_read_case_insensitively(self, api, clerk, ann_cart):
        response = auth(api, clerk).get(cart_url(ann_cart.handoff_code.lower()))

        assert response.status_code == 200, response.content
        assert response.json()["id"] == ann_cart.pk

    def test_a_manager_sees_availability_at_the_store_named(self, api, manager, ann_cart):
        response = auth(api, manager).get(cart_url(ann_cart.handoff_code), {"store": "st2"})

        assert response.status_code == 200, response.content
        assert [(ln["sku"], ln["available_here"]) for ln in response.json()["lines"]] == [
            ("TEE-M", 0),
            ("MUG-1", 3),
        ]

    def test_a_manager_must_name_the_store(self, api, manager, ann_cart):
        assert_error(auth(api, manager).get(cart_url(ann_cart.handoff_code)), 400, "invalid")

    def test_a_clerk_may_not_look_from_another_store(self, api, clerk, ann_cart, other_store):
        response = auth(api, clerk).get(cart_url(ann_cart.handoff_code), {"store": "st2"})

        assert_error(response, 403, "permission_denied")

    def test_unknown_code_is_404(self, api, clerk, ann_cart):
        assert_error(auth(api, clerk).get(cart_url("ZZZZZZ")), 404, "not_found")

    def test_shopper_403_anonymous_401(self, api, shopper, ann_cart):
        assert_error(api.get(cart_url(ann_cart.handoff_code)), 401, "not_authenticated")
        response = auth(api, shopper).get(cart_url(ann_cart.handoff_code))
        assert_error(response, 403, "permission_denied")


# --- sales -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("stocked")
class TestSaleFromLines:
    def test_cash_sale_gives_change_and_takes_stock_at_once(self, api, clerk, store, variant, mug):
        body = {
            "lines": [{"sku": "TEE-M", "quantity": 2}, {"sku": "MUG-1", "quantity": 1}],
            "payment": cash("50.00"),
        }

        response = post(auth(api, clerk), body)

        assert response.status_code == 201, response.content
        sale = response.json()
        assert sale["channel"] == "pos"
        assert sale["store"] == "st1"
        assert sale["status"] == "completed"
        assert sale["fulfilment"] == "in_store"
        assert (sale["subtotal"], sale["discount"], sale["total"]) == ("49.80", "0.00", "49.80")
        assert sale["change_due"] == "0.20"
        assert sale["currency"] == "EUR"
        assert [(ln["sku"], ln["quantity"], ln["line_total"]) for ln in sale["lines"]] == [
            ("TEE-M", 2, "39.80"),
            ("MUG-1", 1, "10.00"),
        ]
        order = Order.objects.get(number=sale["number"])
        assert (order.channel, order.store, order.staff_user) == ("pos", store, clerk)
        assert order.total == Decimal("49.80")
        payment = order.payments.get()
        assert (payment.method, payment.status, payment.channel) == ("cash", "captured", "pos")
        assert payment.amount == Decimal("49.80")
        assert (payment.tendered, payment.change_due) == (Decimal("50.00"), Decimal("0.20"))
        assert payment.store == store
        assert stock_row(store, variant) == (3, 0)
        assert stock_row(store, mug) == (2, 0)
        assert sorted(
            sale_movements().filter(order=order).values_list("location__code", "quantity")
        ) == [("st1", -2), ("st1", -1)]

    def test_exact_cash_gives_no_change(self, api, clerk):
        body = {"lines": [{"sku": "MUG-1", "quantity": 1}], "payment": cash("10.00")}

        response = post(auth(api, clerk), body)

        assert response.status_code == 201, response.content
        assert response.json()["change_due"] == "0.00"

    def test_tendered_below_the_total_is_400_and_nothing_happens(self, api, clerk, store, variant):
        body = {"lines": [{"sku": "TEE-M", "quantity": 2}], "payment": cash("39.79")}

        response = post(auth(api, clerk), body)

        error = assert_error(response, 400, "invalid")
        assert error["details"] == ["tendered"]
        assert order_count() == 0
        assert Payment.objects.count() == 0
        assert stock_row(store, variant) == (5, 0)

    def test_cash_without_tendered_is_400(self, api, clerk):
        body = {"lines": [{"sku": "MUG-1", "quantity": 1}], "payment": {"method": "cash"}}

        assert_error(post(auth(api, clerk), body), 400, "invalid")
        assert order_count() == 0

    def test_card_sale_keeps_the_terminal_reference(self, api, clerk, store, mug):
        body = {"lines": [{"sku": "MUG-1", "quantity": 3}], "payment": CARD}

        response = post(auth(api, clerk), body)

        assert response.status_code == 201, response.content
        assert response.json()["total"] == "30.00"
        assert response.json()["change_due"] is None
        payment = Payment.objects.get(order__number=response.json()["number"])
        assert (payment.method, payment.status, payment.reference) == (
            "card",
            "captured",
            "TERM-0042",
        )
        assert payment.amount == Decimal("30.00")
        assert (payment.tendered, payment.change_due) == (None, None)
        assert stock_row(store, mug) == (0, 0)

    def test_lines_and_cart_together_are_400(self, api, clerk, ann, variant):
        cart = cart_with([(variant, 1)], customer=ann)
        body = {
            "lines": [{"sku": "MUG-1", "quantity": 1}],
            "cart": cart.handoff_code,
            "payment": CARD,
        }

        assert_error(post(auth(api, clerk), body), 400, "invalid")
        assert_error(post(auth(api, clerk), {"payment": CARD}), 400, "invalid")
        assert order_count() == 0

    def test_unknown_sku_is_400(self, api, clerk):
        body = {"lines": [{"sku": "NOPE", "quantity": 1}], "payment": CARD}

        assert_error(post(auth(api, clerk), body), 400, "unknown_sku")
        assert order_count() == 0


@pytest.mark.usefixtures("stocked")
class TestPromotionsAtTheTill:
    @pytest.fixture
    def spring(self, db):
        return promotion(code="SPRING15", kind="percentage", value="15")

    def test_a_code_prices_the_sale_exactly_as_the_web_cart(self, api, clerk, spring):
        web = APIClient()
        assert web.post("/api/cart/lines/", {"sku": "TEE-M", "quantity": 3}).status_code == 201
        applied = web.post("/api/cart/promotion-codes/", {"code": "SPRING15"}, format="json")
        assert applied.status_code == 200, applied.content
        web_cart = web.get("/api/cart/").json()

        body = {
            "lines": [{"sku": "TEE-M", "quantity": 3}],
            "promotion_codes": ["spring15"],
            "payment": CARD,
        }
        response = post(auth(api, clerk), body)

        assert response.status_code == 201, response.content
        sale = response.json()
        # 3 × 19.90 = 59.70; 15 % = 8.955, rounded half up to 8.96.
        assert (sale["subtotal"], sale["discount"], sale["total"]) == ("59.70", "8.96", "50.74")
        assert (web_cart["subtotal"], web_cart["discount"], web_cart["total"]) == (
            sale["subtotal"],
            sale["discount"],
            sale["total"],
        )
        assert sale["lines"][0]["discount"] == "8.96"
        order = Order.objects.get(number=sale["number"])
        assert order.payments.get().amount == Decimal("50.74")
        usage = PromotionUsage.objects.get(order=order)
        assert (usage.promotion, usage.amount) == (spring, Decimal("8.96"))
        assert spring.usages.count() == 1

    def test_an_unknown_code_is_400_and_nothing_is_sold(self, api, clerk, store, variant):
        body = {
            "lines": [{"sku": "TEE-M", "quantity": 1}],
            "promotion_codes": ["NOSUCH"],
            "payment": CARD,
        }

        assert_error(post(auth(api, clerk), body), 400, "invalid_promotion_code")
        assert order_count() == 0
        assert stock_row(store, variant) == (5, 0)


@pytest.mark.usefixtures("stocked")
class TestSaleFromACart:
    def test_the_cart_is_sold_emptied_and_gets_a_new_code(self, api, clerk, ann, store, variant):
        promotion(code="TENOFF", kind="fixed", value="10.00")
        cart = cart_with([(variant, 2)], customer=ann, codes=["TENOFF"])
        old_code = cart.handoff_code

        response = post(auth(api, clerk), {"cart": old_code, "payment": cash("40.00")})

        assert response.status_code == 201, response.content
        sale = response.json()
        assert (sale["subtotal"], sale["discount"], sale["total"]) == ("39.80", "10.00", "29.80")
        assert sale["change_due"] == "10.20"
        assert [(ln["sku"], ln["quantity"]) for ln in sale["lines"]] == [("TEE-M", 2)]
        order = Order.objects.get(number=sale["number"])
        assert order.customer == ann
        assert stock_row(store, variant) == (3, 0)
        cart.refresh_from_db()
        assert cart.status == Cart.Status.OPEN
        assert cart.lines.count() == 0
        assert cart.promotions.count() == 0
        assert cart.handoff_code != old_code
        assert_error(auth(api, clerk).get(cart_url(old_code)), 404, "not_found")
        assert CustomerEvent.objects.filter(customer=ann, kind="pos_sale").count() == 1

    def test_unknown_cart_code_is_404(self, api, clerk):
        response = post(auth(api, clerk), {"cart": "ZZZZZZ", "payment": CARD})

        assert_error(response, 404, "not_found")
        assert order_count() == 0

    def test_a_short_cart_is_409_and_the_cart_is_kept(self, api, clerk, ann, store, mug):
        cart = cart_with([(mug, 4)], customer=ann)

        response = post(auth(api, clerk), {"cart": cart.handoff_code, "payment": CARD})

        assert_error(response, 409, "insufficient_stock")
        cart.refresh_from_db()
        assert [(line.variant, line.quantity) for line in cart.lines.all()] == [(mug, 4)]
        assert order_count() == 0
        assert stock_row(store, mug) == (3, 0)


@pytest.mark.usefixtures("stocked")
class TestCustomerOnTheSale:
    def test_event_and_receipt_email(
        self, api, clerk, ann, store, django_capture_on_commit_callbacks
    ):
        body = {"lines": [{"sku": "TEE-M", "quantity": 1}], "customer": ann.pk, "payment": CARD}

        with django_capture_on_commit_callbacks(execute=True):
            response = post(auth(api, clerk), body)

        assert response.status_code == 201, response.content
        number = response.json()["number"]
        order = Order.objects.get(number=number)
        assert (order.customer, order.email) == (ann, "ann.smith@example.com")
        event = CustomerEvent.objects.get(customer=ann, kind=CustomerEvent.Kind.POS_SALE)
        assert (event.channel, event.store) == ("pos", store)
        assert event.payload == {"order": number, "total": "19.90"}
        [email] = mail.outbox
        assert email.to == ["ann.smith@example.com"]
        assert email.subject == f"Your receipt {number}"
        assert "€19.90" in email.body
        assert list(
            OutboxMessage.objects.filter(key__startswith=f"order:{order.pk}:").values_list(
                "key", "status"
            )
        ) == [(f"order:{order.pk}:receipt", "done")]

    def test_an_anonymous_sale_sends_nothing(self, api, clerk, django_capture_on_commit_callbacks):
        body = {"lines": [{"sku": "TEE-M", "quantity": 1}], "payment": CARD}

        with django_capture_on_commit_callbacks(execute=True):
            response = post(auth(api, clerk), body)

        assert response.status_code == 201, response.content
        assert mail.outbox == []
        assert CustomerEvent.objects.filter(kind="pos_sale").count() == 0

    def test_unknown_customer_is_404(self, api, clerk, store, variant):
        body = {"lines": [{"sku": "TEE-M", "quantity": 1}], "customer": 999999, "payment": CARD}

        assert_error(post(auth(api, clerk), body), 404, "not_found")
        assert order_count() == 0
        assert stock_row(store, variant) == (5, 0)


@pytest.mark.usefixtures("stocked")
class TestNotEnoughAtThisStore:
    def test_409_and_no_order_no_payment_stock_unchanged(
        self, api, clerk, store, other_store, variant, mug
    ):
        body = {
            "lines": [{"sku": "MUG-1", "quantity": 1}, {"sku": "TEE-M", "quantity": 6}],
            "payment": cash("200.00"),
        }

        response = post(auth(api, clerk), body, key="short-1")

        error = assert_error(response, 409, "insufficient_stock")
        assert {"sku": "TEE-M", "requested": 6, "available": 5} in error["details"]
        assert order_count() == 0
        assert Payment.objects.count() == 0
        assert sale_movements().count() == 0
        assert stock_row(store, variant) == (5, 0)
        assert stock_row(store, mug) == (3, 0)  # the line that was there was not sold either
        assert stock_row(other_store, variant) == (10, 0)  # another store's stock is no help
        assert not IdempotencyKey.objects.filter(key="short-1").exists()  # free to retry

    def test_a_unit_held_for_a_collect_order_is_never_sold(self, api, clerk, store, variant):
        held = collect_order(store, [(variant, 5)])
        assert stock_row(store, variant) == (5, 5)

        response = post(
            auth(api, clerk), {"lines": [{"sku": "TEE-M", "quantity": 1}], "payment": CARD}
        )

        error = assert_error(response, 409, "insufficient_stock")
        assert error["details"] == [{"sku": "TEE-M", "requested": 1, "available": 0}]
        assert stock_row(store, variant) == (5, 5)
        assert list(Order.objects.values_list("number", flat=True)) == [held.number]
        assert sale_movements().count() == 0

    def test_only_the_unreserved_units_can_be_sold(self, api, clerk, store, variant):
        collect_order(store, [(variant, 3)])
        client = auth(api, clerk)

        too_many = post(client, {"lines": [{"sku": "TEE-M", "quantity": 3}], "payment": CARD})
        enough = post(client, {"lines": [{"sku": "TEE-M", "quantity": 2}], "payment": CARD})

        assert_error(too_many, 409, "insufficient_stock")
        assert enough.status_code == 201, enough.content
        assert stock_row(store, variant) == (3, 3)


@pytest.mark.usefixtures("stocked")
class TestIdempotentSale:
    BODY = {
        "lines": [{"sku": "TEE-M", "quantity": 1}],
        "payment": {"method": "cash", "tendered": "20.00"},
    }

    def test_the_same_key_twice_sells_once(self, api, clerk, store, variant):
        client = auth(api, clerk)

        first = post(client, self.BODY, key="till-7")
        second = post(client, self.BODY, key="till-7")

        assert first.status_code == second.status_code == 201, second.content
        assert second.json() == first.json()
        assert first.json()["change_due"] == "0.10"
        assert order_count() == 1
        assert Payment.objects.count() == 1
        assert sale_movements().count() == 1
        assert stock_row(store, variant) == (4, 0)

    def test_the_same_key_with_another_body_is_409(self, api, clerk, store, variant):
        client = auth(api, clerk)
        post(client, self.BODY, key="till-8")
        other = {**self.BODY, "lines": [{"sku": "TEE-M", "quantity": 2}]}

        response = post(client, other, key="till-8")

        assert_error(response, 409, "idempotency_key_reused")
        assert order_count() == 1
        assert stock_row(store, variant) == (4, 0)


@pytest.mark.usefixtures("stocked")
class TestWhoMaySell:
    BODY = {"lines": [{"sku": "MUG-1", "quantity": 1}], "payment": CARD}

    def test_a_clerk_may_not_sell_at_another_store(self, api, clerk, other_store, mug):
        response = post(auth(api, clerk), {**self.BODY, "store": "st2"})

        assert_error(response, 403, "permission_denied")
        assert order_count() == 0
        assert stock_row(other_store, mug) == (10, 0)

    def test_a_clerk_naming_their_own_store_may_sell(self, api, clerk, store, mug):
        response = post(auth(api, clerk), {**self.BODY, "store": "st1"})

        assert response.status_code == 201, response.content
        assert stock_row(store, mug) == (2, 0)

    def test_anonymous_is_401(self, api):
        assert_error(post(api, self.BODY), 401, "not_authenticated")
        assert order_count() == 0

    def test_a_shopper_is_403(self, api, shopper):
        assert_error(post(auth(api, shopper), self.BODY), 403, "permission_denied")
        assert order_count() == 0

    def test_a_manager_must_name_the_store(self, api, manager, store, other_store, mug):
        client = auth(api, manager)

        unnamed = post(client, self.BODY)
        named = post(client, {**self.BODY, "store": "st2"})

        assert_error(unnamed, 400, "invalid")
        assert named.status_code == 201, named.content
        assert named.json()["store"] == "st2"
        assert stock_row(other_store, mug) == (9, 0)
        assert stock_row(store, mug) == (3, 0)


def test_a_card_sale_needs_the_terminal_reference(api, clerk, store, stocked, variant):
    body = {"lines": [{"sku": variant.sku, "quantity": 1}], "payment": {"method": "card"}}
    response = post(auth(api, clerk), body)
    assert_error(response, 400, "invalid")
    assert order_count() == 0


def test_cash_is_refused_while_the_till_is_closed(api, clerk, store, stocked, variant):
    CashDrawerSession.objects.filter(store=store).update(closed_at=timezone.now())
    body = {"lines": [{"sku": variant.sku, "quantity": 1}], "payment": cash("50.00")}
    response = post(auth(api, clerk), body)
    assert_error(response, 409, "drawer_state")
    assert order_count() == 0


def test_a_phone_stored_with_spaces_is_found_by_its_digits(api, clerk):
    factories.CustomerFactory(name="Zoé Phone", phone="+33 6 12-34 56 78")
    response = auth(api, clerk).get("/api/pos/customers/", {"q": "0612345678"[1:]})
    assert [c["name"] for c in response.json()] == ["Zoé Phone"]
