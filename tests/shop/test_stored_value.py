"""Gift cards and store credit at the service level: codes, the ledger and its invariant,
spending under concurrency, voids and expiry."""

import hashlib
import re
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from shop.channels import Channel
from shop.customers.models import CustomerEvent
from shop.customers.services import customer_merge
from shop.errors import InvalidInput
from shop.outbox.models import OutboxMessage
from shop.payments.errors import GiftCardNotFound, StoredValueTooLow
from shop.payments.models import Payment, StoredValueAccount, StoredValueEntry
from shop.payments.services import refund_for_return
from shop.payments.stored_value import (
    gift_card_by_code,
    gift_card_issue,
    gift_cards_expire,
    store_credit_account,
    store_credit_balance,
    stored_value_adjust,
    stored_value_credit,
    stored_value_redeem,
    stored_value_void,
)
from shop.payments.tasks import expire_gift_cards
from shop.payments.tenders import tenders_refundable
from tests import factories
from tests.shop.order_support import run_at_once

Entry = StoredValueEntry
CODE = re.compile(r"^[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}$")


def ledger_sum(account) -> Decimal:
    return account.entries.aggregate(total=Sum("amount"))["total"] or Decimal("0.00")


def assert_ledger_holds(account) -> None:
    account.refresh_from_db()
    assert account.balance == ledger_sum(account)
    assert account.balance >= 0


def issue(amount: str = "50.00", **kwargs):
    return gift_card_issue(amount=Decimal(amount), channel=Channel.API, **kwargs)


@pytest.mark.django_db
class TestIssue:
    def test_a_card_keeps_only_the_codes_hash_and_last_four(self):
        issued = issue("50.00")

        assert CODE.match(issued.code), issued.code
        account = StoredValueAccount.objects.get()
        plain = issued.code.replace("-", "")
        assert account.code_hash == hashlib.sha256(plain.encode()).hexdigest()
        assert account.last4 == plain[-4:]
        assert plain not in str(StoredValueAccount.objects.values().get())
        assert (account.balance, account.initial_amount) == (Decimal("50.00"), Decimal("50.00"))
        assert list(account.entries.values_list("kind", "amount")) == [
            (Entry.Kind.ISSUE, Decimal("50.00"))
        ]

    def test_codes_differ(self):
        assert len({issue("5.00").code for _ in range(20)}) == 20

    def test_found_by_its_code_typed_loosely(self):
        issued = issue()
        typed = issued.code.lower().replace("-", " ")

        assert gift_card_by_code(typed) == issued.account

    def test_an_unknown_code_is_not_found(self):
        issue()
        with pytest.raises(GiftCardNotFound):
            gift_card_by_code("AAAA-BBBB-CCCC-DDDD")
        with pytest.raises(GiftCardNotFound):
            gift_card_by_code("--")

    def test_an_amount_must_be_positive_cents(self):
        for amount in ("0.00", "-5.00", "1.005"):
            with pytest.raises(InvalidInput):
                issue(amount)
        assert not StoredValueAccount.objects.exists()

    def test_the_code_is_emailed_once_and_the_buyer_timeline_records_it(self):
        ann = factories.CustomerFactory(email="ann@example.com")

        issued = issue("25.00", email="ann@example.com", customer=ann)

        [message] = OutboxMessage.objects.filter(topic="email")
        assert message.payload["to"] == ["ann@example.com"]
        assert issued.code in message.payload["body"]
        [event] = ann.events.filter(kind=CustomerEvent.Kind.STORED_VALUE_ISSUED)
        assert event.payload["amount"] == "25.00"
        assert event.payload["last4"] == issued.account.last4
        assert issued.code not in str(event.payload)

    def test_expiry_from_the_setting(self, settings):
        settings.GIFT_CARD_VALID_DAYS = 365

        account = issue().account

        assert timedelta(days=364) < account.expires_at - timezone.now() <= timedelta(days=365)


@pytest.mark.django_db
class TestSpend:
    def test_spend_takes_from_the_balance_with_an_entry(self):
        account = issue("50.00").account

        stored_value_redeem(account=account, amount=Decimal("30.00"), channel=Channel.WEB)

        assert_ledger_holds(account)
        assert account.balance == Decimal("20.00")

    def test_more_than_the_balance_is_refused_and_nothing_changes(self):
        account = issue("50.00").account

        with pytest.raises(StoredValueTooLow) as refused:
            stored_value_redeem(account=account, amount=Decimal("50.01"), channel=Channel.POS)

        assert refused.value.details[0]["balance"] == "50.00"
        account.refresh_from_db()
        assert account.balance == Decimal("50.00")
        assert account.entries.count() == 1

    def test_an_expired_or_inactive_card_cannot_be_spent(self):
        expired = issue("50.00", expires_at=timezone.now() - timedelta(minutes=1)).account
        inactive = issue("50.00").account
        StoredValueAccount.objects.filter(pk=inactive.pk).update(is_active=False)

        for account in (expired, inactive):
            with pytest.raises(StoredValueTooLow, match="no longer"):
                stored_value_redeem(account=account, amount=Decimal("1.00"), channel=Channel.WEB)

    def test_the_database_refuses_a_negative_balance(self):
        account = issue("5.00").account

        with pytest.raises(IntegrityError), transaction.atomic():
            StoredValueAccount.objects.filter(pk=account.pk).update(balance=Decimal("-0.01"))


@pytest.mark.django_db
class TestStoreCredit:
    def test_one_account_per_customer(self):
        ann = factories.CustomerFactory()

        first = store_credit_account(customer=ann)
        again = store_credit_account(customer=ann)

        assert first == again
        assert store_credit_balance(customer=ann) == Decimal("0.00")

    def test_credit_then_spend(self):
        ann = factories.CustomerFactory()
        account = store_credit_account(customer=ann)

        stored_value_credit(account=account, amount=Decimal("12.50"), channel=Channel.POS)
        stored_value_redeem(account=account, amount=Decimal("2.50"), channel=Channel.WEB)

        assert store_credit_balance(customer=ann) == Decimal("10.00")
        assert_ledger_holds(account)


@pytest.mark.django_db
class TestVoidAndExpire:
    def test_void_takes_what_is_left_and_deactivates(self):
        account = issue("50.00").account
        stored_value_redeem(account=account, amount=Decimal("20.00"), channel=Channel.WEB)

        removed = stored_value_void(account=account, kind=Entry.Kind.ADJUST, channel=Channel.POS)

        assert removed == Decimal("30.00")
        assert_ledger_holds(account)
        assert (account.balance, account.is_active) == (Decimal("0.00"), False)

    def test_expired_cards_lose_their_balance_once(self):
        expired = issue("50.00", expires_at=timezone.now() - timedelta(days=1)).account
        valid = issue("50.00").account

        assert gift_cards_expire(channel=Channel.SYSTEM) == 1
        assert gift_cards_expire(channel=Channel.SYSTEM) == 0

        assert_ledger_holds(expired)
        assert expired.balance == Decimal("0.00")
        assert expired.entries.filter(kind=Entry.Kind.EXPIRE).count() == 1
        valid.refresh_from_db()
        assert valid.balance == Decimal("50.00")

    def test_adjust_needs_a_reason_and_never_goes_below_zero(self):
        account = issue("10.00").account
        manager = factories.manager()

        with pytest.raises(InvalidInput):
            stored_value_adjust(
                account=account,
                amount=Decimal("1.00"),
                channel=Channel.BACKOFFICE,
                user=manager,
                note="",
            )
        with pytest.raises(StoredValueTooLow):
            stored_value_adjust(
                account=account,
                amount=Decimal("-10.01"),
                channel=Channel.BACKOFFICE,
                user=manager,
                note="counted",
            )
        stored_value_adjust(
            account=account,
            amount=Decimal("-4.00"),
            channel=Channel.BACKOFFICE,
            user=manager,
            note="damaged card",
        )

        assert_ledger_holds(account)
        assert account.balance == Decimal("6.00")


# --- the ledger invariant -------------------------------------------------------------------


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("80.00"), places=2)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("redeem"), amounts),
        st.tuples(st.just("credit"), amounts),
        st.tuples(st.just("adjust"), amounts.map(lambda a: -a)),
        st.tuples(st.just("void"), st.just(Decimal("0"))),
    ),
    max_size=25,
)


class TestLedgerInvariant(HypothesisTestCase):
    """Whatever happens to a card, in whatever order, its balance equals the sum of its
    entries and is never negative; a refused change leaves both as they were."""

    @hypothesis_settings(max_examples=60, deadline=None)
    @given(initial=amounts, steps=operations)
    def test_balance_is_the_sum_of_entries(self, initial, steps):
        account = issue(str(initial)).account
        user = factories.UserFactory()
        expected = initial
        for op, amount in steps:
            try:
                with transaction.atomic():
                    if op == "redeem":
                        stored_value_redeem(account=account, amount=amount, channel=Channel.WEB)
                    elif op == "credit":
                        stored_value_credit(account=account, amount=amount, channel=Channel.POS)
                    elif op == "adjust":
                        stored_value_adjust(
                            account=account, amount=amount, channel=Channel.API, user=user, note="x"
                        )
                    else:
                        stored_value_void(
                            account=account, kind=Entry.Kind.ADJUST, channel=Channel.POS
                        )
            except StoredValueTooLow:
                assert op in ("redeem", "adjust")
                assert (
                    expected + (-amount if op == "redeem" else amount) < 0 or not account.is_active
                )
            else:
                if op == "redeem":
                    expected -= amount
                elif op in ("credit", "adjust"):
                    expected += amount
                else:
                    expected = Decimal("0.00")
            account.refresh_from_db()
            assert account.balance == expected
            assert account.balance == ledger_sum(account)
            assert account.balance >= 0


# --- concurrency ----------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_tills_spending_30_of_a_50_card_at_once_exactly_one_succeeds():
    rounds = 10
    for _ in range(rounds):
        account = issue("50.00").account

        def spend(account=account):
            with transaction.atomic():
                stored_value_redeem(account=account, amount=Decimal("30.00"), channel=Channel.POS)
                time.sleep(0.05)  # the other till reaches the row while this one holds it
            return "spent"

        def guarded(job):
            def run():
                try:
                    return job()
                except StoredValueTooLow:
                    return "refused"

            return run

        results = run_at_once([guarded(spend), guarded(spend)])

        assert sorted(results) == [("ok", "refused"), ("ok", "spent")], results
        assert_ledger_holds(account)
        assert account.balance == Decimal("20.00")


@pytest.mark.django_db
class TestCustomerMerge:
    def test_store_credit_and_gift_cards_move_over(self):
        source = factories.CustomerFactory(email="old@example.com")
        target = factories.CustomerFactory(email="new@example.com")
        for customer, amount in ((source, "15.00"), (target, "5.00")):
            stored_value_credit(
                account=store_credit_account(customer=customer),
                amount=Decimal(amount),
                channel=Channel.POS,
            )
        card = issue("20.00", customer=source).account

        customer_merge(source=source, target=target)

        assert store_credit_balance(customer=target) == Decimal("20.00")
        [credit] = StoredValueAccount.objects.filter(kind="store_credit")
        assert_ledger_holds(credit)
        card.refresh_from_db()
        assert card.customer == target

    def test_credit_of_a_customer_without_any_comes_over_whole(self):
        source = factories.CustomerFactory(email="old@example.com")
        target = factories.CustomerFactory(email="new@example.com")
        account = store_credit_account(customer=source)
        stored_value_credit(account=account, amount=Decimal("7.00"), channel=Channel.POS)

        customer_merge(source=source, target=target)

        assert store_credit_balance(customer=target) == Decimal("7.00")
        account.refresh_from_db()
        assert account.customer == target


@pytest.mark.django_db
def test_the_beat_job_expires_cards(settings):
    assert "shop.payments.tasks.expire_gift_cards" in {
        job["task"] for job in settings.CELERY_BEAT_SCHEDULE.values()
    }
    issue("9.00", expires_at=timezone.now() - timedelta(seconds=1))

    assert expire_gift_cards.apply().get() == 1
    assert StoredValueAccount.objects.get().balance == Decimal("0.00")


# --- refunds split over the tenders that paid -----------------------------------------------


class TestRefundsToTenders(HypothesisTestCase):
    """However a paid order is refunded in parts, each tender gets back at most what it gave,
    the parts add up to what was refunded, and gift cards end where they would have been."""

    @hypothesis_settings(max_examples=40, deadline=None)
    @given(
        gift_share=st.integers(min_value=1, max_value=9999),
        parts=st.lists(st.integers(min_value=1, max_value=4000), min_size=1, max_size=6),
    )
    def test_refunds_never_exceed_a_tender(self, gift_share, parts):
        total = Decimal("100.00")
        gift = Decimal(gift_share) / 100
        store = factories.LocationFactory()
        order = factories.OrderFactory(total=total, store=store, channel="pos")
        account = issue("100.00").account
        card_share = total - gift
        stored_value_redeem(account=account, amount=gift, channel=Channel.POS, order=order)
        Payment.objects.create(
            order=order,
            method="gift_card",
            status="captured",
            amount=gift,
            currency="EUR",
            stored_value=account,
            channel="pos",
            store=store,
        )
        Payment.objects.create(
            order=order,
            method="card",
            status="captured",
            amount=card_share,
            currency="EUR",
            reference="T-1",
            channel="pos",
            store=store,
        )
        refunded = Decimal("0.00")
        for cents in parts:
            amount = min(Decimal(cents) / 100, total - refunded)
            if amount <= 0:
                break
            refund_for_return(
                order=order,
                amount=amount,
                refund_method="original",
                channel=Channel.POS,
                store=store,
                return_record=None,
            )
            refunded += amount
        by_tender = {
            tender.method: tender.amount - left for tender, left in tenders_refundable(order=order)
        }
        assert sum(by_tender.values()) == refunded
        assert by_tender["card"] == min(refunded, card_share)  # money first
        assert by_tender["gift_card"] == max(Decimal("0.00"), refunded - card_share)
        assert_ledger_holds(account)
        assert account.balance == Decimal("100.00") - gift + by_tender["gift_card"]
