"""Abandoned-cart reminders, on a frozen clock: one per cart, skipped with a reason, a
first-order code bound to the email, a link that restores the cart on another device."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from carts.errors import InvalidPromotionCode
from carts.models import Cart, Promotion
from carts.pos import TillPayment, pos_sale_complete
from carts.services import (
    cart_for_customer,
    cart_line_add,
    cart_price,
    cart_promotion_code_apply,
    cart_with_lines,
)
from shop.customers.models import CustomerEvent
from shop.customers.services import customer_event_record, customer_merge
from shop.customers.timeline import event_summary
from shop.marketing import reminders
from shop.marketing.models import CartReminder
from shop.marketing.recovery import reminder_recovery_record
from shop.marketing.reminders import cart_reminders_send, reminders_switched_on_at
from shop.outbox.models import OutboxMessage
from tests import factories
from tests.channels_app.support import receive
from tests.marketing.support import best_seller_queries

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
Reason = CartReminder.SkipReason


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def switched_on(clock):
    """Reminders switched on at START; carts are filled a minute later."""
    reminders_switched_on_at()
    clock.shift(timedelta(minutes=1))


@pytest.fixture
def tee(store):
    variant = factories.VariantFactory(sku="TEE-M", price=Decimal("20.00"), product__name="Tee")
    receive(store, variant, 5)
    return variant


@pytest.fixture
def ann(db):
    return factories.CustomerFactory(email="ann@example.com", name="Ann", marketing_consent=True)


def fill(customer, variant, quantity: int = 1) -> Cart:
    cart = cart_for_customer(customer=customer)
    cart_line_add(cart=cart, sku=variant.sku, quantity=quantity, channel="web")
    return cart


def reminder_events(customer) -> list[CustomerEvent]:
    kinds = [CustomerEvent.Kind.REMINDER_CLICKED, CustomerEvent.Kind.REMINDER_RECOVERED]
    return list(customer.events.filter(kind__in=kinds).order_by("created_at", "id"))


def run(capture):
    with capture(execute=True):
        return cart_reminders_send()


def link_in(message) -> str:
    return re.search(r"http://\S+/cart/restore/\S+", message.body).group(0)


def test_idle_59_minutes_is_not_reminded_61_is(
    switched_on, clock, ann, tee, django_capture_on_commit_callbacks
):
    fill(ann, tee, 2)
    clock.shift(timedelta(minutes=59))
    assert run(django_capture_on_commit_callbacks).sent == 0
    assert mail.outbox == []
    clock.shift(timedelta(minutes=2))
    assert run(django_capture_on_commit_callbacks).sent == 1
    [message] = mail.outbox
    assert message.to == ["ann@example.com"]
    assert "2 × Tee" in message.body
    assert "20.00 EUR each" in message.body
    assert "In 1 store" in message.body
    reminder = CartReminder.objects.get()
    assert reminder.status == CartReminder.Status.SENT
    assert reminder.sent_at == timezone.now()


def test_a_rerun_and_a_redelivered_task_send_nothing_more(
    switched_on, clock, ann, tee, django_capture_on_commit_callbacks
):
    fill(ann, tee)
    clock.shift(timedelta(minutes=61))
    assert run(django_capture_on_commit_callbacks).sent == 1
    assert run(django_capture_on_commit_callbacks).sent == 0
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_cart_reminders")
    assert len(mail.outbox) == 1
    assert CartReminder.objects.count() == 1
    assert OutboxMessage.objects.filter(key__startswith="cart-reminder:").count() == 1


def test_refilled_cart_after_an_order_may_be_reminded_again(
    switched_on, clock, ann, tee, django_capture_on_commit_callbacks
):
    cart = fill(ann, tee)
    clock.shift(timedelta(minutes=61))
    run(django_capture_on_commit_callbacks)
    cart.lines.all().delete()  # the cart was checked out and emptied
    fill(ann, tee)
    clock.shift(timedelta(minutes=61))
    assert run(django_capture_on_commit_callbacks).sent == 1
    assert CartReminder.objects.filter(cart=cart).count() == 2


def test_a_store_purchase_since_the_cart_was_touched_skips_it(
    switched_on, clock, ann, tee, store, django_capture_on_commit_callbacks
):
    fill(ann, tee)
    clock.shift(timedelta(minutes=30))
    clerk = factories.clerk(store=store)
    other = factories.VariantFactory(sku="CAP-1", price=Decimal("5.00"))
    receive(store, other, 1)
    pos_sale_complete(
        store=store,
        clerk=clerk,
        payment=TillPayment(method="card", terminal_reference="T-1"),
        lines=[(other, 1)],
        customer=ann,
    )
    clock.shift(timedelta(minutes=31))
    result = run(django_capture_on_commit_callbacks)
    assert result.sent == 0
    assert result.skipped == {Reason.PAID_SINCE: 1}
    assert not [m for m in mail.outbox if "cart" in m.subject]


def test_no_consent_is_skipped_with_its_reason(
    switched_on, clock, tee, django_capture_on_commit_callbacks
):
    bob = factories.CustomerFactory(email="bob@example.com")  # never agreed
    fill(bob, tee)
    clock.shift(timedelta(minutes=61))
    result = run(django_capture_on_commit_callbacks)
    assert result.skipped == {Reason.NO_CONSENT: 1}
    assert CartReminder.objects.get().skip_reason == Reason.NO_CONSENT
    assert mail.outbox == []


def test_nothing_sellable_anywhere_is_skipped(
    switched_on, clock, ann, django_capture_on_commit_callbacks
):
    gone = factories.VariantFactory(sku="GONE-1")  # no stock at any location
    fill(ann, gone)
    clock.shift(timedelta(minutes=61))
    assert run(django_capture_on_commit_callbacks).skipped == {Reason.NOTHING_SELLABLE: 1}


def test_carts_idle_before_the_switch_on_are_never_mailed(
    clock, ann, tee, django_capture_on_commit_callbacks
):
    fill(ann, tee)  # left two days before the feature was switched on
    clock.shift(timedelta(days=2))
    assert run(django_capture_on_commit_callbacks).skipped == {Reason.BEFORE_SWITCH_ON: 1}
    assert mail.outbox == []


def test_carts_idle_longer_than_the_look_back_are_left_alone(
    switched_on, clock, ann, tee, django_capture_on_commit_callbacks
):
    fill(ann, tee)
    clock.shift(timedelta(days=8))
    assert run(django_capture_on_commit_callbacks).sent == 0
    assert not CartReminder.objects.exists()


def test_the_email_typed_at_checkout_is_reminded(
    switched_on, clock, tee, django_capture_on_commit_callbacks
):
    guest = factories.CustomerFactory(email="guest@example.com", marketing_consent=True)
    cart = Cart.objects.create(handoff_code="GUEST1")
    cart_line_add(cart=cart, sku=tee.sku, quantity=1, channel="web")
    customer_event_record(  # as checkout records it for a shopper not signed in
        customer=guest, kind="checkout_started", channel="web", payload={"cart": cart.pk}
    )
    clock.shift(timedelta(minutes=61))
    assert run(django_capture_on_commit_callbacks).sent == 1
    assert CartReminder.objects.get().customer == guest
    assert mail.outbox[0].to == ["guest@example.com"]


class TestFirstOrderCode:
    def test_a_first_time_customer_gets_a_code_bound_to_their_email(
        self, switched_on, clock, ann, tee, django_capture_on_commit_callbacks
    ):
        fill(ann, tee)
        clock.shift(timedelta(minutes=61))
        run(django_capture_on_commit_callbacks)
        code = CartReminder.objects.get().promotion
        assert code.email == "ann@example.com"
        assert code.usage_limit == 1
        assert code.ends_at == timezone.now() + timedelta(days=7)
        assert code.code in mail.outbox[0].body
        cart = fill(ann, tee)  # now two tees
        cart_promotion_code_apply(cart=cart, code=code.code)
        assert cart_price(cart_with_lines(cart.pk)).discount == Decimal("4.00")  # 10% of 40.00

    def test_a_returning_customer_gets_no_code(
        self, switched_on, clock, ann, tee, django_capture_on_commit_callbacks
    ):
        factories.OrderFactory(customer=ann, email=ann.email, channel="pos", status="completed")
        clock.shift(timedelta(minutes=1))
        fill(ann, tee)
        clock.shift(timedelta(minutes=61))
        assert run(django_capture_on_commit_callbacks).sent == 1
        assert CartReminder.objects.get().promotion is None
        assert "code" not in mail.outbox[0].body

    def test_refused_for_another_email_and_after_seven_days(
        self, switched_on, clock, ann, tee, django_capture_on_commit_callbacks
    ):
        fill(ann, tee)
        clock.shift(timedelta(minutes=61))
        run(django_capture_on_commit_callbacks)
        code = CartReminder.objects.get().promotion.code
        eve = factories.CustomerFactory(email="eve@example.com")
        with pytest.raises(InvalidPromotionCode):
            cart_promotion_code_apply(cart=fill(eve, tee), code=code)
        # Entered in an anonymous cart, it gives nothing to anybody but Ann at checkout.
        anonymous = Cart.objects.create(handoff_code="ANON01")
        cart_line_add(cart=anonymous, sku=tee.sku, quantity=1, channel="web")
        cart_promotion_code_apply(cart=anonymous, code=code)
        anonymous = cart_with_lines(anonymous.pk)
        assert cart_price(anonymous, email="eve@example.com").discount == 0
        assert cart_price(anonymous, email="ANN@example.com").discount == Decimal("2.00")
        clock.shift(timedelta(days=7, minutes=1))
        with pytest.raises(InvalidPromotionCode):
            cart_promotion_code_apply(cart=Cart.objects.get(customer=ann), code=code)

    def test_refused_after_a_first_order_elsewhere(
        self, switched_on, clock, ann, tee, django_capture_on_commit_callbacks
    ):
        fill(ann, tee)
        clock.shift(timedelta(minutes=61))
        run(django_capture_on_commit_callbacks)
        code = CartReminder.objects.get().promotion.code
        factories.OrderFactory(customer=ann, email=ann.email, channel="pos", status="completed")
        with pytest.raises(InvalidPromotionCode, match="first order"):
            cart_promotion_code_apply(cart=Cart.objects.get(customer=ann), code=code)
        assert Promotion.objects.get(code=code).times_used == 0


class TestRestoreLink:
    def test_restores_the_cart_on_another_device_and_records_the_recovery(
        self, switched_on, clock, ann, tee, store, django_capture_on_commit_callbacks
    ):
        fill(ann, tee, 2)
        clock.shift(timedelta(minutes=61))
        run(django_capture_on_commit_callbacks)
        link = link_in(mail.outbox[0])
        assert link.endswith(
            "?utm_source=cart-reminder&utm_medium=email&utm_campaign=abandoned-cart"
        )
        phone = Client()  # another device, not signed in
        response = phone.get(link.removeprefix("http://127.0.0.1:8000"), follow=True)
        assert response.status_code == 200
        restored = Cart.objects.get(customer__isnull=True, status="open")
        assert [(line.variant.sku, line.quantity) for line in restored.lines.all()] == [
            ("TEE-M", 2)
        ]
        assert "4.00" in response.content.decode()  # the first-order code priced for Ann
        # Following it twice changes nothing.
        phone.get(link.removeprefix("http://127.0.0.1:8000"))
        assert restored.lines.get().quantity == 2
        reminder = CartReminder.objects.get()
        assert reminder.clicked_at == timezone.now()
        [clicked] = reminder_events(ann)  # on Ann's timeline, once
        assert (clicked.kind, clicked.channel) == ("reminder_clicked", "web")
        assert clicked.payload == {"cart": reminder.cart_id, "reminder": reminder.pk}
        assert event_summary(clicked).sentence == "Followed the link of a cart reminder"
        body = {
            "idempotency_key": "k1",
            "email": "ann@example.com",
            "fulfilment": "collect",
            "store": store.code,
            "payment_method": "pay_at_pickup",
        }
        with django_capture_on_commit_callbacks(execute=True):
            response = phone.post("/checkout/", body)
        assert response.status_code == 302, response.content.decode()[:500]
        reminder.refresh_from_db()
        assert reminder.recovered_order is not None
        assert reminder.recovered_order.discount == Decimal("4.00")
        order = reminder.recovered_order
        [_, recovered] = reminder_events(ann)
        assert (recovered.kind, recovered.channel) == ("reminder_recovered", "web")
        assert recovered.payload == {
            "order": order.number, "total": str(order.total), "reminder": reminder.pk
        }  # fmt: skip
        assert event_summary(recovered).sentence == (
            f"Placed order {order.number} (36.00 EUR) after a cart reminder"
        )

    def test_merges_into_the_signed_in_shoppers_cart(
        self, switched_on, clock, ann, tee, django_capture_on_commit_callbacks
    ):
        fill(ann, tee)
        clock.shift(timedelta(minutes=61))
        run(django_capture_on_commit_callbacks)
        link = link_in(mail.outbox[0]).removeprefix("http://127.0.0.1:8000")
        user = factories.UserFactory(username="zoe", email="zoe@example.com")
        zoe = factories.CustomerFactory(email="zoe@example.com", user=user)
        mug = factories.VariantFactory(sku="MUG-1")
        fill(zoe, mug)
        client = Client()
        client.force_login(user)
        client.get(link)
        cart = Cart.objects.get(customer=zoe)
        assert sorted(line.variant.sku for line in cart.lines.all()) == ["MUG-1", "TEE-M"]

    def test_a_forged_link_restores_nothing(self, db):
        response = Client().get("/cart/restore/not-a-real-token/", follow=True)
        assert response.status_code == 200
        assert "no longer valid" in response.content.decode()
        assert not Cart.objects.exists()


@pytest.mark.parametrize("carts", [2, 8])
def test_queries_per_cart_are_constant(
    switched_on, clock, tee, carts, django_assert_max_num_queries
):
    for n in range(carts):
        fill(factories.CustomerFactory(marketing_consent=True, email=f"c{n}@example.com"), tee)
    clock.shift(timedelta(minutes=61))
    per_cart = 22 + best_seller_queries()  # the email's recommendations included
    with django_assert_max_num_queries(5 + per_cart * carts):
        assert cart_reminders_send().sent == carts


def test_the_reminded_cart_bought_at_the_till_is_recovered(
    switched_on, clock, ann, tee, store, django_capture_on_commit_callbacks
):
    cart = fill(ann, tee)
    clock.shift(timedelta(minutes=61))
    run(django_capture_on_commit_callbacks)
    clock.shift(timedelta(days=1))
    order = pos_sale_complete(
        store=store,
        clerk=factories.clerk(store=store),
        payment=TillPayment(method="card", terminal_reference="T-2"),
        cart=cart,
    )
    reminder = CartReminder.objects.get()
    assert reminder.recovered_order == order
    assert reminder.clicked_at is None  # came to the store without following the link
    [recovered] = reminder_events(ann)
    assert (recovered.kind, recovered.channel, recovered.store) == (
        "reminder_recovered", "pos", store
    )  # fmt: skip
    assert recovered.payload["order"] == order.number
    # The same order told twice (a replayed signal) recovers nothing more.
    assert reminder_recovery_record(order=order, cart=cart) is None
    assert len(reminder_events(ann)) == 1


def test_an_order_of_someone_else_recovers_nothing(
    switched_on, clock, ann, tee, django_capture_on_commit_callbacks
):
    fill(ann, tee)
    clock.shift(timedelta(minutes=61))
    run(django_capture_on_commit_callbacks)
    CartReminder.objects.update(clicked_at=timezone.now())
    other = factories.OrderFactory(email="eve@example.com")
    assert reminder_recovery_record(order=other, cart=None) is None
    assert CartReminder.objects.get().recovered_order is None


def test_one_failing_cart_stops_no_other_and_is_tried_again(
    switched_on, clock, tee, monkeypatch, django_capture_on_commit_callbacks
):
    first = fill(factories.CustomerFactory(marketing_consent=True), tee)
    clock.shift(timedelta(minutes=1))
    fill(factories.CustomerFactory(marketing_consent=True), tee)
    clock.shift(timedelta(minutes=61))
    send = reminders._send

    def broken_for_first(reminder, cart, *args):
        if cart.pk == first.pk:
            raise RuntimeError("template error")
        return send(reminder, cart, *args)

    monkeypatch.setattr(reminders, "_send", broken_for_first)
    result = run(django_capture_on_commit_callbacks)
    assert (result.sent, result.failed) == (1, 1)
    assert not CartReminder.objects.filter(cart=first).exists()  # rolled back
    monkeypatch.setattr(reminders, "_send", send)
    assert run(django_capture_on_commit_callbacks).sent == 1


def test_a_merge_moves_the_reminders_to_the_kept_customer(
    switched_on, clock, ann, tee, django_capture_on_commit_callbacks
):
    fill(ann, tee)
    clock.shift(timedelta(minutes=61))
    run(django_capture_on_commit_callbacks)
    kept = factories.CustomerFactory(email="")
    customer_merge(source=ann, target=kept)
    assert CartReminder.objects.get().customer == kept


class TestLanguage:
    def test_written_in_the_customers_saved_language(
        self, switched_on, clock, ann, tee, django_capture_on_commit_callbacks
    ):
        ann.language = "fr"
        ann.save(update_fields=["language"])
        fill(ann, tee, 2)
        clock.shift(timedelta(minutes=61))
        assert run(django_capture_on_commit_callbacks).sent == 1
        [message] = mail.outbox
        assert message.subject.startswith("Vous avez laissé quelque chose dans votre panier")
        assert "Bonjour Ann," in message.body
        assert "20,00 EUR l’unité, 40,00 EUR" in message.body
        assert "Dans 1 magasin" in message.body
        assert "Votre première commande chez nous : 10 % de remise" in message.body
        assert "mars 2026" in message.body  # the code's end date, in French
        assert "Reprenez là où vous en étiez" in message.body
        assert "You left" not in message.body + message.subject

    def test_english_without_a_saved_language(
        self, switched_on, clock, ann, tee, django_capture_on_commit_callbacks
    ):
        fill(ann, tee)
        clock.shift(timedelta(minutes=61))
        run(django_capture_on_commit_callbacks)
        [message] = mail.outbox
        assert message.subject.startswith("You left something in your")
        assert "Hello Ann," in message.body
        assert "Your first order with us: 10% off with the code WELCOME-" in message.body


def test_a_french_customer_is_reminded_in_french(
    switched_on, clock, tee, django_capture_on_commit_callbacks
):
    zoe = factories.CustomerFactory(
        email="zoe@example.com", name="Zoé", marketing_consent=True, language="fr"
    )
    fill(zoe, tee, 2)
    clock.shift(timedelta(minutes=61))
    assert run(django_capture_on_commit_callbacks).sent == 1
    [message] = mail.outbox
    assert message.subject.startswith("Vous avez laissé quelque chose dans votre panier")
    assert "Bonjour Zoé," in message.body
    assert "EUR l’unité" in message.body
    assert "Dans 1 magasin" in message.body
