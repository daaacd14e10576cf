"""The timeline: every kind of event read as a sentence about a subject, and the selector that
pages through a customer's history newest first at a constant cost."""

import pytest
from django.utils import timezone

from shop.customers.errors import InvalidCursor
from shop.customers.models import CustomerEvent
from shop.customers.selectors import customer_timeline
from shop.customers.timeline import Subject, event_summary, summarised_kinds
from shop.errors import InvalidInput
from tests import factories
from tests.shop.customer_support import history

Kind = CustomerEvent.Kind

#: (kind, payload, sentence, subject) for every kind the timeline knows.
SUMMARIES = [
    (
        Kind.PRODUCT_VIEWED,
        {"product": "merino-jumper", "name": "Merino Jumper"},
        "Viewed Merino Jumper",
        ("product", "merino-jumper"),
    ),
    (
        Kind.CART_LINE_ADDED,
        {"sku": "TEE-M", "name": "Tee — Size M", "quantity": 2},
        "Added 2 units of Tee — Size M to the cart",
        ("variant", "TEE-M"),
    ),
    (
        Kind.CART_LINE_UPDATED,
        {"sku": "TEE-M", "name": "Tee — Size M", "quantity": 3, "previous": 1},
        "Changed Tee — Size M in the cart from 1 to 3",
        ("variant", "TEE-M"),
    ),
    (
        Kind.CART_LINE_REMOVED,
        {"sku": "MUG-1", "quantity": 1},
        "Removed MUG-1 from the cart",
        ("variant", "MUG-1"),
    ),
    (
        Kind.CHECKOUT_STARTED,
        {"fulfilment": "collect", "lines": 2, "cart": 7},
        "Started a checkout (click and collect, 2 lines)",
        ("cart", "7"),
    ),
    (
        Kind.ORDER_PLACED,
        {"order": "OS-AAAAAA", "total": "39.8", "fulfilment": "delivery"},
        "Placed order OS-AAAAAA (39.80 EUR, delivery)",
        ("order", "OS-AAAAAA"),
    ),
    (
        Kind.POS_SALE,
        {"order": "OS-BBBBBB", "total": "12.50"},
        "Bought in store for 12.50 EUR (order OS-BBBBBB)",
        ("order", "OS-BBBBBB"),
    ),
    (
        Kind.PICKUP_READY,
        {"order": "OS-CCCCCC"},
        "Order OS-CCCCCC is ready for pickup",
        ("order", "OS-CCCCCC"),
    ),
    (
        Kind.PICKUP_COLLECTED,
        {"order": "OS-CCCCCC"},
        "Order OS-CCCCCC was collected",
        ("order", "OS-CCCCCC"),
    ),
    (
        Kind.PICKUP_EXPIRED,
        {"order": "OS-CCCCCC"},
        "Order OS-CCCCCC was not collected in time and expired",
        ("order", "OS-CCCCCC"),
    ),
    (
        Kind.ORDER_SHIPPED,
        {"order": "OS-DDDDDD"},
        "Order OS-DDDDDD was shipped",
        ("order", "OS-DDDDDD"),
    ),
    (
        Kind.ORDER_CANCELLED,
        {"order": "OS-DDDDDD"},
        "Order OS-DDDDDD was cancelled",
        ("order", "OS-DDDDDD"),
    ),
    (
        Kind.ORDER_RETURNED,
        {
            "order": "OS-EEEEEE",
            "lines": [{"sku": "A", "quantity": 2}, {"sku": "B", "quantity": 1}],
            "refund": "30.00",
            "restocked": True,
        },
        "Returned 3 units of order OS-EEEEEE, 30.00 EUR to refund",
        ("order", "OS-EEEEEE"),
    ),
    (
        Kind.REFUND,
        {
            "order": "OS-EEEEEE",
            "amount": "30.00",
            "currency": "EUR",
            "method": "card",
            "status": "pending",
        },
        "Refund of 30.00 EUR to the card for order OS-EEEEEE (on its way)",
        ("order", "OS-EEEEEE"),
    ),
    (
        Kind.REFUND,
        {"order": "OS-EEEEEE", "amount": "5.00", "method": "gift_card", "status": "refunded"},
        "Refund of 5.00 EUR to the gift card for order OS-EEEEEE",
        ("order", "OS-EEEEEE"),
    ),
    (
        Kind.STORED_VALUE_ISSUED,
        {"account": "gift_card", "last4": "7QXZ", "amount": "50.00", "currency": "EUR"},
        "Gift card …7QXZ of 50.00 EUR issued",
        None,
    ),
    (
        Kind.STORED_VALUE_REDEEMED,
        {"account": "store_credit", "amount": "12.00", "order": "OS-HHHHHH"},
        "Paid 12.00 EUR with store credit for order OS-HHHHHH",
        ("order", "OS-HHHHHH"),
    ),
    (
        Kind.EMAIL_SENT,
        {"subject": "Your order OS-FFFFFF", "order": "OS-FFFFFF", "email": "confirmation"},
        "Email sent: “Your order OS-FFFFFF”",
        ("order", "OS-FFFFFF"),
    ),
    (
        Kind.SIGNED_UP,
        {},
        "Created an account",
        None,
    ),
    (
        Kind.TICKET_OPENED,
        {"ticket": "T-GGGGGG", "subject": "Broken zip", "order": None},
        "Opened service request T-GGGGGG: Broken zip",
        ("ticket", "T-GGGGGG"),
    ),
    (
        Kind.TICKET_MESSAGE,
        {"ticket": "T-GGGGGG", "staff": True, "status": "waiting_customer"},
        "Staff replied on service request T-GGGGGG",
        ("ticket", "T-GGGGGG"),
    ),
    (
        Kind.TICKET_STATUS,
        {"ticket": "T-GGGGGG", "status": "waiting_customer"},
        "Service request T-GGGGGG is now waiting customer",
        ("ticket", "T-GGGGGG"),
    ),
    (
        Kind.TICKET_NOTE,
        {"ticket": "T-GGGGGG", "staff": True},
        "Internal note on service request T-GGGGGG",
        ("ticket", "T-GGGGGG"),
    ),
    (
        Kind.PICK_NOT_FOUND,
        {
            "order": "OS-CCCCCC",
            "sku": "TEE-M",
            "name": "Tee",
            "outcome": "transfer",
            "source": "Lyon",
        },
        "Tee of order OS-CCCCCC was not found when picking: it comes from Lyon",
        ("order", "OS-CCCCCC"),
    ),
    (
        Kind.CUSTOMERS_MERGED,
        {"from": 9, "email": "ann.old@example.com", "orders": 2, "tickets": 1, "events": 0},
        "Merged with ann.old@example.com (2 orders, 1 service request moved over)",
        None,
    ),
    (
        Kind.REMINDER_CLICKED,
        {"cart": 12, "reminder": 3},
        "Followed the link of a cart reminder",
        ("cart", "12"),
    ),
    (
        Kind.REMINDER_RECOVERED,
        {"order": "OS-DDDDDD", "total": "42.5", "reminder": 3},
        "Placed order OS-DDDDDD (42.50 EUR) after a cart reminder",
        ("order", "OS-DDDDDD"),
    ),
]


def event(kind: str, payload) -> CustomerEvent:
    return CustomerEvent(kind=kind, channel="web", payload=payload)


def test_every_kind_has_a_summary_and_a_test():
    assert summarised_kinds() == set(Kind.values)
    assert {row[0] for row in SUMMARIES} == set(Kind.values)


@pytest.mark.parametrize(
    ("kind", "payload", "sentence", "subject"), SUMMARIES, ids=[row[0] for row in SUMMARIES]
)
def test_summary_of(kind, payload, sentence, subject):
    summary = event_summary(event(kind, payload))

    assert summary.sentence == sentence
    assert summary.subject == (Subject(*subject) if subject else None)


@pytest.mark.parametrize("kind", Kind.values)
def test_an_empty_payload_still_reads_as_a_sentence(kind):
    summary = event_summary(event(kind, {}))

    assert summary.sentence
    assert "None" not in summary.sentence
    assert "  " not in summary.sentence
    assert summary.subject is None


def test_an_unusable_payload_reads_as_the_kind():
    unusable = event_summary(event(Kind.ORDER_PLACED, {"order": "OS-1", "total": "lots"}))
    not_a_dict = event_summary(event(Kind.CART_LINE_ADDED, ["TEE-M"]))

    assert (unusable.sentence, unusable.subject) == ("Order placed", None)
    assert not_a_dict.sentence == "Added 1 unit of an item to the cart"


def test_the_subject_reads_as_the_api_shows_it():
    assert Subject("order", "OS-1").as_dict() == {"type": "order", "id": "OS-1"}


# --- the selector ---------------------------------------------------------------------------------


@pytest.mark.django_db
class TestCustomerTimeline:
    def test_newest_first_a_page_at_a_time(self, db):
        customer = factories.CustomerFactory()
        events = history(customer, 7)

        first = customer_timeline(customer, limit=3)
        second = customer_timeline(customer, limit=3, cursor=first.next_cursor)
        last = customer_timeline(customer, limit=3, cursor=second.next_cursor)

        pages = [first, second, last]
        seen = [entry.id for page in pages for entry in page.entries]
        assert seen == [e.pk for e in reversed(events)]
        assert last.next_cursor is None
        assert first.entries[0].summary == "Placed order OS-000006 (5.00 EUR)"
        assert first.entries[0].subject == Subject("order", "OS-000006")

    def test_events_of_one_moment_keep_their_order_across_pages(self, db):
        customer = factories.CustomerFactory()
        moment = timezone.now()
        same = CustomerEvent.objects.bulk_create(
            CustomerEvent(customer=customer, kind=Kind.SIGNED_UP, channel="web", created_at=moment)
            for _ in range(5)
        )

        first = customer_timeline(customer, limit=2)
        rest = customer_timeline(customer, limit=10, cursor=first.next_cursor)

        ids = [e.id for e in first.entries + rest.entries]
        assert ids == sorted((e.pk for e in same), reverse=True)

    def test_only_this_customers_events(self, db):
        ann, bob = factories.CustomerFactory(), factories.CustomerFactory()
        history(ann, 2)
        history(bob, 3)

        assert len(customer_timeline(ann).entries) == 2

    def test_filters_by_kind_and_channel(self, db, store):
        customer = factories.CustomerFactory()
        history(customer, 2, kind=Kind.POS_SALE, channel="pos")
        history(customer, 3, kind=Kind.ORDER_PLACED, channel="web")

        assert {e.kind for e in customer_timeline(customer, kind="pos_sale").entries} == {
            "pos_sale"
        }
        assert len(customer_timeline(customer, channel="web").entries) == 3
        assert customer_timeline(customer, kind="pos_sale", channel="web").entries == []

    def test_staff_only_kinds_only_for_staff(self, db):
        customer = factories.CustomerFactory()
        history(customer, 1, kind=Kind.TICKET_NOTE)
        history(customer, 1, kind=Kind.TICKET_MESSAGE)

        for_customer = customer_timeline(customer)
        for_staff = customer_timeline(customer, include_internal=True)

        assert [e.kind for e in for_customer.entries] == ["ticket_message"]
        assert {e.kind for e in for_staff.entries} == {"ticket_message", "ticket_note"}
        with pytest.raises(InvalidInput):
            customer_timeline(customer, kind="ticket_note")

    @pytest.mark.parametrize("cursor", ["nonsense", "bm90fGE", "MjAyNi0wMS0wMXwx"])
    def test_a_bad_cursor_is_invalid_input(self, db, cursor):
        with pytest.raises(InvalidCursor):
            customer_timeline(factories.CustomerFactory(), cursor=cursor)

    def test_unknown_filters_are_invalid_input(self, db):
        customer = factories.CustomerFactory()
        with pytest.raises(InvalidInput):
            customer_timeline(customer, kind="nope")
        with pytest.raises(InvalidInput):
            customer_timeline(customer, channel="fax")

    def test_one_query_for_10_and_for_1000_events(self, store, django_assert_num_queries):
        small, large = factories.CustomerFactory(), factories.CustomerFactory()
        history(small, 10, store=store)
        history(large, 1000, store=store)
        cursor = customer_timeline(large, limit=25).next_cursor

        with django_assert_num_queries(1):
            customer_timeline(small)
        with django_assert_num_queries(1):
            page = customer_timeline(large)
        with django_assert_num_queries(1):
            customer_timeline(large, cursor=cursor, kind="order_placed", channel="web")
        assert len(page.entries) == 25
        assert page.entries[0].store == "st1"

    @pytest.mark.postgres
    def test_the_index_serves_the_timeline(self, db):
        from django.db import connection

        customer = factories.CustomerFactory()
        history(customer, 50)
        with connection.cursor() as cursor:
            # A tiny table: only an index read in the timeline's order can avoid these.
            for plan in ("seqscan", "bitmapscan", "sort"):
                cursor.execute(f"SET LOCAL enable_{plan} = off")
            plan = (
                CustomerEvent.objects.filter(customer=customer)
                .order_by("-created_at", "-id")[:26]
                .explain()
            )
        assert "event_timeline" in plan
        assert "Sort" not in plan  # read in index order, not sorted afterwards
