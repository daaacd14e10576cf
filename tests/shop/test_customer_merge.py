"""Two customers who are one person: everything of one moves to the other, which records the
merge on its timeline; and who is the same person (normalised email and phone)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from carts.models import Cart
from carts.services import cart_for_customer, cart_line_add
from shop.channels import Channel
from shop.customers.errors import InvalidMerge, MergeConflict
from shop.customers.models import Customer, CustomerEvent
from shop.customers.product_views import product_view_buffer
from shop.customers.selectors import customer_duplicates, customer_search, customers_matching
from shop.customers.services import customer_event_record, customer_merge
from shop.support.services import ticket_open
from tests import factories
from tests.conftest import admin_client

pytestmark = pytest.mark.django_db


def lines(customer) -> dict[str, int]:
    cart = Cart.objects.get(customer=customer, status=Cart.Status.OPEN)
    return {line.variant.sku: line.quantity for line in cart.lines.select_related("variant")}


@pytest.fixture
def pair(db):
    """Ann twice: her account, and a guest record made at the till with her phone."""
    ann = factories.CustomerFactory(
        email="ann@example.com", name="Ann", user=factories.UserFactory(username="ann")
    )
    till = factories.CustomerFactory(email="", name="", phone="+33 6 12 34 56 78")
    return ann, till


class TestMerge:
    def test_everything_moves_and_the_merge_is_on_the_timeline(self, pair, manager):
        ann, till = pair
        tee, mug, cap = (factories.VariantFactory(sku=sku) for sku in ("TEE", "MUG", "CAP"))
        cart_line_add(cart=cart_for_customer(customer=ann), sku="TEE", quantity=2, channel="web")
        cart_line_add(cart=cart_for_customer(customer=ann), sku="CAP", quantity=1, channel="web")
        their_cart = cart_for_customer(customer=till)
        cart_line_add(cart=their_cart, sku="TEE", quantity=3, channel="pos")
        cart_line_add(cart=their_cart, sku="MUG", quantity=1, channel="pos")
        order = factories.OrderFactory(customer=till, channel="pos")
        ticket = ticket_open(subject="Zip", body="Broke", channel=Channel.POS, customer=till)
        event = customer_event_record(customer=till, kind="signed_up", channel="pos")
        product_view_buffer(product="scarf", name="Scarf", customer=till)  # not yet written

        merged = customer_merge(source=till, target=ann, channel=Channel.BACKOFFICE, user=manager)

        assert merged.pk == ann.pk
        assert not Customer.objects.filter(pk=till.pk).exists()
        order.refresh_from_db()
        ticket.refresh_from_db()
        assert (order.customer_id, ticket.customer_id) == (ann.pk, ann.pk)
        assert lines(ann) == {"TEE": 5, "CAP": 1, "MUG": 1}
        assert ann.events.filter(pk=event.pk).exists()
        assert ann.events.filter(kind="product_viewed", payload__product="scarf").exists()
        merge = ann.events.get(kind=CustomerEvent.Kind.CUSTOMERS_MERGED)
        assert merge.channel == "backoffice"
        assert merge.payload == {
            "from": till.pk,
            "email": "",
            "name": "",
            "orders": 1,
            "tickets": 1,
            "events": 5,  # 2 lines added to their cart, a ticket, the sign-up, the view
            "by": "manager",
        }
        merged.refresh_from_db()
        assert (merged.phone, merged.email, merged.user.username) == (
            "+33 6 12 34 56 78",
            "ann@example.com",
            "ann",
        )

    def test_the_account_and_email_come_over_when_the_target_has_none(self, pair):
        ann, till = pair

        merged = customer_merge(source=ann, target=till)

        merged.refresh_from_db()
        assert (merged.pk, merged.email, merged.name) == (till.pk, "ann@example.com", "Ann")
        assert merged.user.username == "ann"
        assert Customer.objects.get(user__username="ann").pk == till.pk

    def test_two_accounts_are_not_merged(self, pair):
        ann, _ = pair
        bob = factories.CustomerFactory(user=factories.UserFactory(username="bob"))
        factories.OrderFactory(customer=bob)

        with pytest.raises(MergeConflict):
            customer_merge(source=bob, target=ann)

        assert bob.orders.count() == 1
        assert not ann.events.exists()

    def test_not_into_itself(self, pair):
        ann, _ = pair
        with pytest.raises(InvalidMerge):
            customer_merge(source=ann, target=ann)


class TestIdentity:
    def test_same_person_by_email_case_and_spaces_or_phone_digits(self, pair):
        ann, till = pair
        other = factories.CustomerFactory(email="bob@example.com", phone="06 99")

        assert list(customers_matching(email="  ANN@Example.com ")) == [ann]
        assert list(customers_matching(phone="(33) 6-12-34-56-78")) == [till]
        assert list(customers_matching(email="ann@example.com", phone="+33612345678")) == [
            ann,
            till,
        ]
        assert list(customers_matching()) == []
        assert other not in customer_duplicates(ann)

    def test_duplicates_of_a_customer(self, pair):
        ann, till = pair
        twin = factories.CustomerFactory(email="", phone="33.6.12.34.56.78")

        assert customer_duplicates(till) == [twin]
        assert customer_duplicates(ann) == []

    def test_the_phone_digits_are_kept_by_the_database(self, pair):
        _, till = pair
        till.refresh_from_db()
        assert till.phone_digits == "33612345678"
        Customer.objects.filter(pk=till.pk).update(phone="01-02")
        till.refresh_from_db()
        assert till.phone_digits == "0102"

    def test_search_by_phone_digits(self, pair):
        _, till = pair
        assert list(customer_search(query="12 34 56")) == [till]


class TestAdminAction:
    def test_two_selected_merge_into_the_oldest(self, pair, manager):
        ann, till = pair
        Customer.objects.filter(pk=till.pk).update(created_at=timezone.now() - timedelta(days=9))
        client = admin_client(manager)

        response = client.post(
            reverse("admin:customers_customer_changelist"),
            {"action": "merge_into_oldest", "_selected_action": [ann.pk, till.pk]},
            follow=True,
        )

        assert response.status_code == 200
        assert not Customer.objects.filter(pk=ann.pk).exists()
        assert Customer.objects.get(pk=till.pk).user.username == "ann"
        assert "was merged into" in response.content.decode()

    @pytest.mark.parametrize("count", [1, 3])
    def test_only_two_at_a_time(self, pair, manager, count):
        ann, till = pair
        chosen = [ann, till, factories.CustomerFactory()][:count]
        client = admin_client(manager)

        response = client.post(
            reverse("admin:customers_customer_changelist"),
            {"action": "merge_into_oldest", "_selected_action": [c.pk for c in chosen]},
            follow=True,
        )

        assert "Select exactly two customers" in response.content.decode()
        assert Customer.objects.filter(pk__in=[ann.pk, till.pk]).count() == 2
