"""Gift cards and store credit through the API, on every channel: issued at the till or by a
manager, spent online and in store with other tenders, given back on refunds."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.test import TestCase
from django.utils import timezone
from rest_framework.test import APIClient

from carts.checkout import checkouts_fail_abandoned
from channels_app.models import IdempotencyKey
from inventory.models import Reservation, StockMovement
from shop.customers.models import CustomerEvent
from shop.orders.models import Order
from shop.orders.services import order_cancel, order_mark_collected
from shop.payments.drawer import drawer_cash_totals, drawer_open_session
from shop.payments.models import Payment, StoredValueAccount, StoredValueEntry
from shop.payments.stored_value import gift_card_by_code, gift_card_issue
from tests import factories
from tests.carts.support import add_line, checkout, collect_body, delivery_body
from tests.channels_app.support import assert_error, open_till, receive, stock_row
from tests.conftest import auth

SALES = "/api/pos/sales/"
RETURNS = "/api/returns/"
GIFT_CARDS = "/api/gift-cards/"
Kind = CustomerEvent.Kind


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def gift50(db):
    return factories.VariantFactory(
        sku="GIFT-50", price=Decimal("50.00"), product__name="Gift card", product__is_gift_card=True
    )


@pytest.fixture
def item30(store, warehouse):
    variant = factories.VariantFactory(sku="BAG-30", price=Decimal("30.00"))
    receive(store, variant, 10)
    receive(warehouse, variant, 10)
    return variant


@pytest.fixture
def item20(store):
    variant = factories.VariantFactory(sku="CAP-20", price=Decimal("20.00"))
    receive(store, variant, 10)
    return variant


@pytest.fixture
def till(store, clerk, api):
    open_till(store)
    return auth(api, clerk)


def sale(client, lines, payments, **extra):
    body = {"lines": [{"sku": s, "quantity": q} for s, q in lines], "payments": payments, **extra}
    return client.post(SALES, body, format="json")


def gift(code: str, amount: str) -> dict:
    return {"method": "gift_card", "code": code, "amount": amount}


def balance(code: str) -> Decimal:
    account = gift_card_by_code(code)
    assert account.balance == sum(account.entries.values_list("amount", flat=True))
    return account.balance


def card50(**kwargs) -> str:
    return gift_card_issue(amount=Decimal("50.00"), channel="api", **kwargs).code


def web_checkout(client, sku: str, payments: list, body=None, quantity: int = 1):
    assert add_line(client, sku, quantity).status_code == 201
    body = {**(body or collect_body()), "payments": payments}
    body.pop("payment", None)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return checkout(client, body)


class TestTheStory:
    def test_issue_50_at_the_till_spend_30_online_and_20_in_store_then_refused(
        self, till, store, gift50, item30, item20, client
    ):
        bought = sale(till, [("GIFT-50", 1)], [{"method": "cash", "tendered": "50.00"}])

        assert bought.status_code == 201, bought.content
        [card] = bought.json()["gift_cards"]
        code = card["code"]
        assert (card["balance"], card["last4"]) == ("50.00", code[-4:])
        assert not StockMovement.objects.filter(variant=gift50).exists()  # no stock moves
        assert balance(code) == Decimal("50.00")

        online = web_checkout(client, "BAG-30", [gift(code, "30.00")])

        assert online.status_code == 201, online.content
        assert online.json()["status"] == "placed"
        assert balance(code) == Decimal("20.00")

        in_store = sale(till, [("CAP-20", 1)], [gift(code, "20.00")])

        assert in_store.status_code == 201, in_store.content
        assert balance(code) == Decimal("0.00")

        orders = Order.objects.count()
        third = sale(till, [("CAP-20", 1)], [gift(code, "20.00")])

        error = assert_error(third, 409, "insufficient_balance")
        assert error["details"] == [
            {"method": "gift_card", "last4": code[-4:], "balance": "0.00", "requested": "20.00"}
        ]
        assert Order.objects.count() == orders
        assert stock_row(store, item20) == (9, 0)
        kinds = list(gift_card_by_code(code).entries.values_list("kind", "amount"))
        assert kinds == [
            ("issue", Decimal("50.00")),
            ("redeem", Decimal("-30.00")),
            ("redeem", Decimal("-20.00")),
        ]


class TestSplitTenderAtTheTill:
    def test_gift_card_and_cash_with_change(self, till, store, item30, item20):
        code = card50()

        response = sale(
            till,
            [("BAG-30", 1), ("CAP-20", 1)],
            [gift(code, "35.00"), {"method": "cash", "tendered": "20.00"}],
        )

        assert response.status_code == 201, response.content
        assert response.json()["change_due"] == "5.00"
        assert balance(code) == Decimal("15.00")
        payments = Payment.objects.order_by("id").values_list("method", "amount", "change_due")
        assert list(payments) == [
            ("gift_card", Decimal("35.00"), None),
            ("cash", Decimal("15.00"), Decimal("5.00")),
        ]
        assert drawer_cash_totals(drawer_open_session(store=store))["cash_sales"] == Decimal(
            "15.00"
        )

    def test_two_cards_on_one_order_each_give_exactly_their_share(self, till, item30, item20):
        first, second = card50(), card50()

        response = sale(
            till, [("BAG-30", 1), ("CAP-20", 2)], [gift(first, "40.00"), gift(second, "30.00")]
        )

        assert response.status_code == 201, response.content
        assert (balance(first), balance(second)) == (Decimal("10.00"), Decimal("20.00"))

    def test_tenders_short_of_the_total_are_refused(self, till, store, item30):
        code = card50()

        response = sale(till, [("BAG-30", 1)], [gift(code, "20.00")])

        assert_error(response, 400, "invalid_tenders")
        assert balance(code) == Decimal("50.00")
        assert stock_row(store, item30) == (10, 0)

    def test_more_than_the_total_is_refused(self, till, item30):
        code = card50()

        response = sale(till, [("BAG-30", 1)], [gift(code, "40.00")])

        assert_error(response, 400, "invalid_tenders")
        assert balance(code) == Decimal("50.00")

    def test_the_same_card_twice_is_refused(self, till, item30):
        code = card50()

        response = sale(till, [("BAG-30", 1)], [gift(code, "15.00"), gift(code, "15.00")])

        assert_error(response, 400, "invalid_tenders")

    def test_an_unknown_card_is_404(self, till, item30):
        response = sale(till, [("BAG-30", 1)], [gift("AAAA-BBBB-CCCC-DDDD", "30.00")])

        assert_error(response, 404, "gift_card_not_found")
        assert not Order.objects.exists()

    def test_a_gift_card_cannot_buy_a_gift_card(self, till, gift50):
        code = card50()

        response = sale(till, [("GIFT-50", 1)], [gift(code, "50.00")])

        assert_error(response, 400, "invalid_tenders")
        assert StoredValueAccount.objects.count() == 1

    def test_store_credit_needs_the_customer(self, till, item20):
        ann = factories.CustomerFactory(email="ann@example.com")
        credit = {"method": "store_credit", "amount": "20.00"}

        anonymous = sale(till, [("CAP-20", 1)], [credit])
        too_little = sale(till, [("CAP-20", 1)], [credit], customer=ann.pk)

        assert_error(anonymous, 400, "invalid_tenders")
        assert_error(too_little, 409, "insufficient_balance")

    def test_a_sold_card_is_emailed_to_the_customer(self, till, gift50):
        ann = factories.CustomerFactory(email="ann@example.com")

        with TestCase.captureOnCommitCallbacks(execute=True):
            response = sale(
                till,
                [("GIFT-50", 1)],
                [{"method": "card", "terminal_reference": "T1"}],
                customer=ann.pk,
            )

        assert response.status_code == 201, response.content
        code = response.json()["gift_cards"][0]["code"]
        [message] = [m for m in mail.outbox if "gift card" in m.subject]
        assert code in message.body
        assert ann.events.filter(kind=Kind.STORED_VALUE_ISSUED).count() == 1


class TestSplitTenderOnTheWeb:
    def test_gift_card_and_card(self, client, item30):
        code = card50()

        response = web_checkout(
            client,
            "BAG-30",
            [gift(code, "10.00"), {"method": "card", "card_token": "tok_visa"}],
            body=delivery_body(),
            quantity=2,
        )

        assert response.status_code == 201, response.content
        assert balance(code) == Decimal("40.00")
        order = Order.objects.get()
        captured = order.payments.values_list("method", "amount", "status")
        assert sorted(captured) == [
            ("card", Decimal("50.00"), "captured"),
            ("gift_card", Decimal("10.00"), "captured"),
        ]

    def test_a_declined_card_leaves_the_gift_card_balance_intact(self, client, warehouse, item30):
        code = card50()

        response = web_checkout(
            client,
            "BAG-30",
            [gift(code, "10.00"), {"method": "card", "card_token": "tok_declined"}],
            body=delivery_body(),
        )

        assert_error(response, 402, "payment_declined")
        assert balance(code) == Decimal("50.00")
        entries = gift_card_by_code(code).entries.values_list("kind", "amount")
        assert list(entries) == [
            ("issue", Decimal("50.00")),
            ("redeem", Decimal("-10.00")),
            ("refund", Decimal("10.00")),
        ]
        assert Order.objects.get().status == Order.Status.PAYMENT_FAILED
        assert stock_row(warehouse, item30) == (10, 0)

    def test_a_gateway_failure_gives_the_gift_card_back_too(self, client, item30):
        code = card50()

        response = web_checkout(
            client,
            "BAG-30",
            [gift(code, "10.00"), {"method": "card", "card_token": "tok_gateway_error"}],
            body=delivery_body(),
        )

        assert_error(response, 502, "payment_gateway_error")
        assert balance(code) == Decimal("50.00")

    def test_gift_card_and_pay_at_pickup(self, client, store, clerk, item30):
        code = card50()

        response = web_checkout(
            client, "BAG-30", [gift(code, "12.00"), {"method": "pay_at_pickup"}]
        )

        assert response.status_code == 201, response.content
        order = Order.objects.get()
        assert order.payments.get(method="pay_at_pickup").amount == Decimal("18.00")
        open_till(store)
        order_mark_collected(order=order, channel="pos", user=clerk)
        assert order.payments.get(method="cash").amount == Decimal("18.00")

    def test_a_cancelled_order_gives_the_gift_card_back(self, client, clerk, item30):
        code = card50()
        web_checkout(client, "BAG-30", [gift(code, "12.00"), {"method": "pay_at_pickup"}])

        order_cancel(order=Order.objects.get(), channel="pos", user=clerk)

        assert balance(code) == Decimal("50.00")

    def test_the_card_amount_must_match_what_is_left(self, client, item30):
        code = card50()

        response = web_checkout(
            client,
            "BAG-30",
            [gift(code, "10.00"), {"method": "card", "card_token": "tok_visa", "amount": "30.00"}],
            body=delivery_body(),
        )

        assert_error(response, 400, "invalid_tenders")
        assert balance(code) == Decimal("50.00")

    def test_payment_and_payments_together_are_refused(self, client, item30):
        add_line(client, "BAG-30")
        body = {**collect_body(), "payments": [{"method": "pay_at_pickup"}]}

        assert_error(checkout(client, body), 400, "invalid")


class TestRefundsToTenders:
    def returned(self, client, order, sku, quantity=1, **extra):
        body = {
            "order": order["number"],
            "store": "st1",
            "lines": [{"sku": sku, "quantity": quantity}],
            "restock": True,
            **extra,
        }
        with TestCase.captureOnCommitCallbacks(execute=True):
            return client.post(RETURNS, body, format="json")

    def test_a_split_till_sale_refunds_cash_first_then_the_gift_card(self, till, item30, item20):
        code = card50()
        order = sale(
            till,
            [("BAG-30", 1), ("CAP-20", 1)],
            [gift(code, "30.00"), {"method": "cash", "tendered": "20.00"}],
        ).json()

        first = self.returned(till, order, "CAP-20")
        second = self.returned(till, order, "BAG-30")

        assert first.status_code == second.status_code == 201
        refunds = Payment.objects.filter(status="refunded").order_by("id")
        assert list(refunds.values_list("method", "amount")) == [
            ("cash", Decimal("20.00")),
            ("gift_card", Decimal("30.00")),
        ]
        assert balance(code) == Decimal("50.00")

    def test_a_web_order_refunds_the_card_through_the_gateway_and_the_gift_card(
        self, client, till, item30
    ):
        code = card50()
        web_checkout(
            client,
            "BAG-30",
            [gift(code, "40.00"), {"method": "card", "card_token": "tok_visa"}],
            body=collect_body(),
            quantity=2,
        )
        order = Order.objects.get()
        order_mark_collected(order=order, channel="pos", user=None)

        response = self.returned(till, {"number": order.number}, "BAG-30", quantity=2)

        assert response.status_code == 201, response.content
        refunds = order.payments.filter(refund_of__isnull=False)
        assert sorted(refunds.values_list("method", "amount", "status")) == [
            ("card", Decimal("20.00"), "refunded"),
            ("gift_card", Decimal("40.00"), "refunded"),
        ]
        assert balance(code) == Decimal("50.00")

    def test_a_return_to_store_credit(self, till, manager, item30):
        office = auth(APIClient(), manager)
        ann = factories.CustomerFactory(email="ann@example.com")
        order = sale(
            till, [("BAG-30", 1)], [{"method": "card", "terminal_reference": "T"}], customer=ann.pk
        ).json()

        response = self.returned(till, order, "BAG-30", refund_method="store_credit")

        assert response.status_code == 201, response.content
        assert response.json()["refund_method"] == "store_credit"
        card = office.get(f"/api/customers/{ann.pk}/").json()
        assert card["store_credit"] == "30.00"
        refund = ann.events.filter(kind=Kind.REFUND).latest("id")
        assert refund.payload["method"] == "store_credit"

        spent = sale(
            till, [("BAG-30", 1)], [{"method": "store_credit", "amount": "30.00"}], customer=ann.pk
        )

        assert spent.status_code == 201, spent.content
        assert office.get(f"/api/customers/{ann.pk}/").json()["store_credit"] == "0.00"

    def test_store_credit_for_an_anonymous_order_is_refused(self, till, item30):
        order = sale(till, [("BAG-30", 1)], [{"method": "card", "terminal_reference": "T"}]).json()

        response = self.returned(till, order, "BAG-30", refund_method="store_credit")

        assert_error(response, 400, "invalid")


class TestTimeline:
    def test_issue_redemption_and_refund_are_on_the_timeline(self, till, gift50, item30):
        ann = factories.CustomerFactory(email="ann@example.com")
        bought = sale(
            till, [("GIFT-50", 1)], [{"method": "cash", "tendered": "50.00"}], customer=ann.pk
        ).json()
        code = bought["gift_cards"][0]["code"]
        spent = sale(till, [("BAG-30", 1)], [gift(code, "30.00")], customer=ann.pk).json()
        with TestCase.captureOnCommitCallbacks(execute=True):
            till.post(
                RETURNS,
                {
                    "order": spent["number"],
                    "store": "st1",
                    "lines": [{"sku": "BAG-30", "quantity": 1}],
                    "restock": True,
                },
                format="json",
            )

        kinds = set(ann.events.values_list("kind", flat=True))
        assert {Kind.STORED_VALUE_ISSUED, Kind.STORED_VALUE_REDEEMED, Kind.REFUND} <= kinds
        timeline = till.get(f"/api/customers/{ann.pk}/timeline/").json()["results"]
        sentences = [entry["summary"] for entry in timeline]
        assert f"Paid 30.00 EUR with gift card …{code[-4:]} for order {spent['number']}" in (
            sentences
        )


class TestGiftCardApi:
    def test_a_manager_issues_a_card(self, api, manager):
        response = auth(api, manager).post(
            GIFT_CARDS, {"amount": "25.00", "email": "bob@example.com"}, format="json"
        )

        assert response.status_code == 201, response.content
        body = response.json()
        assert set(body) == {"code", "last4", "balance", "currency", "expires_at", "active"}
        assert (body["balance"], body["currency"]) == ("25.00", "EUR")
        assert StoredValueEntry.objects.get().user == manager

    def test_a_clerk_may_not_issue(self, api, clerk):
        response = auth(api, clerk).post(GIFT_CARDS, {"amount": "25.00"}, format="json")

        assert_error(response, 403, "permission_denied")

    def test_bad_amounts_are_400(self, api, manager):
        for amount in ("0.00", "-1.00", "100000.00", "abc"):
            response = auth(api, manager).post(GIFT_CARDS, {"amount": amount}, format="json")
            assert response.status_code == 400, amount

    def test_balance_lookup_without_the_code_in_the_answer(self, api, db):
        code = card50()

        body = api.get(f"{GIFT_CARDS}{code}/").json()

        assert body == {
            "last4": code[-4:],
            "balance": "50.00",
            "currency": "EUR",
            "expires_at": None,
            "active": True,
        }

    def test_balance_lookup_is_throttled(self, api, db, settings):
        settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "gift_card_lookup": "3/minute"}

        statuses = [api.get(f"{GIFT_CARDS}AAAA-BBBB-CCCC-{n:04d}/").status_code for n in range(4)]

        assert statuses == [404, 404, 404, 429]


class TestGiftCardPurchases:
    def test_an_e_gift_card_bought_online_is_emailed_and_holds_no_stock(self, client, gift50):
        response = web_checkout(
            client,
            "GIFT-50",
            [{"method": "card", "card_token": "tok_visa"}],
            body=delivery_body(email="bob@example.com"),
        )

        assert response.status_code == 201, response.content
        [card] = StoredValueAccount.objects.all()
        assert (card.balance, card.email, card.sold_on.number) == (
            Decimal("50.00"),
            "bob@example.com",
            response.json()["number"],
        )
        [message] = [m for m in mail.outbox if "gift card" in m.subject]
        assert message.to == ["bob@example.com"]
        assert card.last4 in message.body
        assert not Reservation.objects.exists()

    def test_a_declined_card_issues_no_gift_card(self, client, gift50):
        response = web_checkout(
            client,
            "GIFT-50",
            [{"method": "card", "card_token": "tok_declined"}],
            body=delivery_body(),
        )

        assert_error(response, 402, "payment_declined")
        assert not StoredValueAccount.objects.exists()

    def test_a_gift_card_is_not_paid_at_pickup(self, client, store, gift50):
        response = web_checkout(client, "GIFT-50", [{"method": "pay_at_pickup"}])

        assert_error(response, 400, "invalid_tenders")

    def test_a_returned_gift_card_refunds_only_what_is_left_and_is_voided(
        self, till, store, gift50, item20
    ):
        bought = sale(till, [("GIFT-50", 1)], [{"method": "cash", "tendered": "50.00"}]).json()
        code = bought["gift_cards"][0]["code"]
        sale(till, [("CAP-20", 1)], [gift(code, "20.00")])

        response = till.post(
            RETURNS,
            {
                "order": bought["number"],
                "store": "st1",
                "lines": [{"sku": "GIFT-50", "quantity": 1}],
                "restock": True,
            },
            format="json",
        )

        assert response.status_code == 201, response.content
        assert response.json()["refund_amount"] == "30.00"
        account = gift_card_by_code(code)
        assert (balance(code), account.is_active) == (Decimal("0.00"), False)
        assert not StockMovement.objects.filter(variant=gift50).exists()
        spend = sale(
            till, [("CAP-20", 1)], [gift(code, "10.00"), {"method": "cash", "tendered": "10.00"}]
        )
        assert_error(spend, 409, "insufficient_balance")


class TestAtThePickupDesk:
    def test_gift_card_and_cash_at_the_desk(self, client, till, store, item30):
        code = card50()
        web_checkout(client, "BAG-30", [{"method": "pay_at_pickup"}])
        order = Order.objects.get()

        response = till.post(
            f"/api/pickups/{order.number}/collected/",
            {"payments": [gift(code, "25.00"), {"method": "cash", "tendered": "10.00"}]},
            format="json",
        )

        assert response.status_code == 200, response.content
        assert response.json()["status"] == "collected"
        assert balance(code) == Decimal("25.00")
        paid = order.payments.order_by("id").values_list("method", "status", "amount", "change_due")
        assert list(paid) == [
            ("gift_card", "captured", Decimal("25.00"), None),
            ("cash", "captured", Decimal("5.00"), Decimal("5.00")),
        ]

    def test_a_gift_card_covering_it_all(self, client, till, item30):
        code = card50()
        web_checkout(client, "BAG-30", [{"method": "pay_at_pickup"}])
        order = Order.objects.get()

        response = till.post(
            f"/api/pickups/{order.number}/collected/",
            {"payments": [gift(code, "30.00")]},
            format="json",
        )

        assert response.status_code == 200, response.content
        assert list(order.payments.values_list("method", "amount")) == [
            ("gift_card", Decimal("30.00"))
        ]

    def test_too_little_at_the_desk_collects_nothing(self, client, till, store, item30):
        code = card50()
        web_checkout(client, "BAG-30", [{"method": "pay_at_pickup"}])
        order = Order.objects.get()

        response = till.post(
            f"/api/pickups/{order.number}/collected/",
            {"payments": [gift(code, "20.00")]},
            format="json",
        )

        assert_error(response, 400, "invalid_tenders")
        order.refresh_from_db()
        assert order.status == Order.Status.PLACED
        assert balance(code) == Decimal("50.00")
        assert stock_row(store, item30) == (10, 1)


class TestCodesAreNeverStored:
    def test_a_retried_issue_answers_without_the_code_and_stores_none(self, api, manager):
        client = auth(api, manager)
        headers = {"Idempotency-Key": "issue-1"}

        first = client.post(GIFT_CARDS, {"amount": "25.00"}, format="json", headers=headers)
        again = client.post(GIFT_CARDS, {"amount": "25.00"}, format="json", headers=headers)

        code = first.json()["code"]
        assert gift_card_by_code(code).balance == Decimal("25.00")
        assert again.status_code == 201
        assert again.json() == {**first.json(), "code": None}
        assert StoredValueAccount.objects.count() == 1
        assert code not in str(list(IdempotencyKey.objects.values()))

    def test_a_retried_till_sale_answers_without_the_codes(self, till, gift50):
        body = {
            "lines": [{"sku": "GIFT-50", "quantity": 2}],
            "payments": [{"method": "cash", "tendered": "100.00"}],
        }
        headers = {"Idempotency-Key": "sale-1"}

        first = till.post(SALES, body, format="json", headers=headers)
        again = till.post(SALES, body, format="json", headers=headers)

        codes = [card["code"] for card in first.json()["gift_cards"]]
        assert len(set(codes)) == 2
        assert [card["code"] for card in again.json()["gift_cards"]] == [None, None]
        assert StoredValueAccount.objects.count() == 2
        stored = str(list(IdempotencyKey.objects.values()))
        assert not any(code in stored for code in codes)


class TestAbandonedCheckout:
    def test_the_sweeper_gives_the_gift_card_back(self, client, item30, monkeypatch):
        class Crash(Exception):
            """The process dies after the gift card was taken, before the card is charged."""

        def crash(**kwargs):
            raise Crash()

        monkeypatch.setattr("carts.checkout.charge_attempt_send", crash)
        code = card50()
        add_line(client, "BAG-30")
        body = {
            **delivery_body(),
            "payments": [gift(code, "10.00"), {"method": "card", "card_token": "tok_visa"}],
        }
        body.pop("payment")
        with pytest.raises(Crash):
            checkout(client, body)
        assert balance(code) == Decimal("40.00")
        Order.objects.update(created_at=timezone.now() - 3 * settings.PAYMENT_WINDOW)

        with TestCase.captureOnCommitCallbacks(execute=True):
            assert checkouts_fail_abandoned() == 1

        assert balance(code) == Decimal("50.00")
        assert Order.objects.get().status == Order.Status.PAYMENT_FAILED


class TestCancelledGiftCardPurchase:
    def test_cancelling_an_e_gift_card_order_voids_the_card(self, client, clerk, gift50):
        web_checkout(
            client,
            "GIFT-50",
            [{"method": "card", "card_token": "tok_visa"}],
            body=delivery_body(email="bob@example.com"),
        )
        order = Order.objects.get()

        with TestCase.captureOnCommitCallbacks(execute=True):
            order_cancel(order=order, channel="backoffice", user=clerk)

        [account] = StoredValueAccount.objects.all()
        assert (account.balance, account.is_active) == (Decimal("0.00"), False)
        assert sum(account.entries.values_list("amount", flat=True)) == Decimal("0.00")
        assert order.payments.filter(refund_of__isnull=False, method="card").exists()


def test_a_cash_tender_with_a_wrong_amount_is_refused(till, item30):
    code = card50()

    response = sale(
        till,
        [("BAG-30", 1)],
        [gift(code, "10.00"), {"method": "cash", "amount": "25.00", "tendered": "25.00"}],
    )

    assert_error(response, 400, "invalid_tenders")


def test_the_schema_describes_gift_cards_and_payments_lists(api, db):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    paths, components = schema["paths"], schema["components"]["schemas"]

    assert set(paths["/api/gift-cards/"]) >= {"post"}
    assert set(paths["/api/gift-cards/{code}/"]) >= {"get"}
    assert set(paths["/api/payments/stripe/webhook/"]) >= {"post"}
    for path in ("/api/checkout/", "/api/pos/sales/"):
        body = paths[path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        component = components[body["$ref"].rsplit("/", 1)[-1]]
        # The till's sale is one of two bodies: the clerk's sale, or a sale made on a device.
        variants = [components[v["$ref"].rsplit("/", 1)[-1]] for v in component.get("oneOf", [])]
        properties = set().union(*(v.get("properties", {}) for v in [component, *variants]))
        assert {"payment", "payments"} <= properties, path
