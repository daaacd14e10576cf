"""A click-and-collect line cancelled at the pickup desk (no unit left anywhere): the email
carries a signed link; whoever follows it confirms an address and a service request on the
order asks staff to deliver it instead."""

import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.test import Client

from shop.channels import Channel
from shop.customers.models import Address, CustomerEvent
from shop.orders.delivery_choice import delivery_choice_link
from shop.orders.models import OrderEvent
from shop.orders.not_found import order_line_not_found
from shop.outbox.models import OutboxMessage
from shop.support.delivery_requests import delivery_request_open
from shop.support.models import Ticket
from shop.support.selectors import staff_queue
from tests import factories
from tests.channels_app.support import receive
from tests.shop.order_support import ADDRESS, collect_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def paris(db):
    return factories.LocationFactory(code="paris", name="Paris", click_and_collect=True)


@pytest.fixture
def cancelled(paris):
    """Order of a shirt and a cap at Paris; the shirt was not found and none is left."""
    shirt = factories.VariantFactory(sku="SHIRT", price=Decimal("30.00"), product__name="Shirt")
    cap = factories.VariantFactory(sku="CAP", price=Decimal("10.00"))
    receive(paris, shirt, 1)
    receive(paris, cap, 1)
    order = collect_order(paris, [(shirt, 1), (cap, 1)], payment="card")
    outcome = order_line_not_found(order=order, sku="SHIRT", channel=Channel.POS)
    assert outcome.kind == "line_cancelled"
    return order


def not_found_email(order) -> str:
    [message] = OutboxMessage.objects.filter(
        topic="email", key__startswith=f"order:{order.pk}:not-found:"
    )
    return message.payload["body"]


def link_path(order) -> str:
    found = re.search(r"http://\S+(/orders/deliver-instead/\S+/)", not_found_email(order))
    return found.group(1)


def test_the_email_of_a_cancelled_line_carries_the_link(cancelled):
    body = not_found_email(cancelled)
    assert "Would you rather have Shirt" in body
    assert "/orders/deliver-instead/" in body


def test_no_link_when_the_item_comes_from_another_store(paris):
    lyon = factories.LocationFactory(code="lyon", name="Lyon")
    shirt = factories.VariantFactory(sku="SHIRT", price=Decimal("30.00"))
    receive(paris, shirt, 1)
    receive(lyon, shirt, 1)
    order = collect_order(paris, [(shirt, 1)])
    assert order_line_not_found(order=order, sku="SHIRT", channel=Channel.POS).kind == "transfer"
    assert "/orders/deliver-instead/" not in not_found_email(order)


def test_following_the_link_signed_out_opens_one_request_for_staff(cancelled):
    browser = Client()  # another device, nobody signed in
    path = link_path(cancelled)
    page = browser.get(path)
    assert page.status_code == 200
    assert "could not be found for your pickup" in page.content.decode()

    for _ in range(2):  # a double click, a refreshed page: one request
        done = browser.post(path, {**ADDRESS, "line1": "5 Rue du Bac", "postcode": "75007"})
        assert done.status_code == 200
        assert "We have your request" in done.content.decode()

    [ticket] = Ticket.objects.all()
    assert ticket.order == cancelled
    assert ticket.customer == cancelled.customer
    assert "SHIRT" in ticket.subject
    assert "5 Rue du Bac\n75007 Paris" in ticket.messages.get().body
    assert ticket in staff_queue()
    event = cancelled.events.get(kind=OrderEvent.Kind.DELIVERY_REQUESTED)
    assert ticket.number in event.message
    assert cancelled.customer.events.filter(
        kind=CustomerEvent.Kind.TICKET_OPENED, payload__order=cancelled.number
    ).exists()


def test_a_signed_in_customer_gets_their_saved_address_offered(cancelled):
    customer = cancelled.customer
    customer.user = factories.UserFactory(email=customer.email)
    customer.save(update_fields=["user"])
    Address.objects.create(
        customer=customer, **{**ADDRESS, "line1": "9 Quai Voltaire"}, is_default_shipping=True
    )
    browser = Client()
    browser.force_login(customer.user)
    page = browser.get(link_path(cancelled)).content.decode()
    assert 'value="9 Quai Voltaire"' in page


def test_a_wrong_address_is_refused_on_the_form(cancelled):
    page = Client().post(link_path(cancelled), {**ADDRESS, "postcode": "ABC"})
    assert page.status_code == 200
    assert 'aria-invalid="true"' in page.content.decode()
    assert not Ticket.objects.exists()


def test_a_forged_or_unknown_link_shows_nothing_of_the_order(cancelled):
    page = Client().get("/orders/deliver-instead/not-a-token/")
    assert page.status_code == 404
    assert cancelled.number not in page.content.decode()


def test_a_line_with_nothing_cancelled_has_no_valid_link(paris):
    shirt = factories.VariantFactory(sku="SHIRT", price=Decimal("30.00"))
    receive(paris, shirt, 1)
    order = collect_order(paris, [(shirt, 1)])
    path = urlsplit(delivery_choice_link(line=order.lines.get())).path
    assert Client().get(path).status_code == 404


def test_the_service_answers_a_repeat_with_the_same_request(cancelled):
    line = cancelled.lines.get(sku="SHIRT")
    first, created = delivery_request_open(line=line, address=ADDRESS)
    again, created_again = delivery_request_open(line=line, address=ADDRESS)
    assert (created, created_again) == (True, False)
    assert again == first
    assert cancelled.events.filter(kind=OrderEvent.Kind.DELIVERY_REQUESTED).count() == 1


def test_the_page_speaks_french(cancelled):
    page = Client().get(link_path(cancelled), headers={"accept-language": "fr"})
    assert "Demander la livraison" in page.content.decode()


def test_an_all_or_nothing_order_cancelled_for_it_gets_the_link_too(paris):
    shirt = factories.VariantFactory(sku="SHIRT", price=Decimal("30.00"), product__name="Shirt")
    receive(paris, shirt, 1)
    order = collect_order(paris, [(shirt, 1)])
    assert order_line_not_found(order=order, sku="SHIRT", channel=Channel.POS).kind == (
        "order_cancelled"
    )
    assert Client().post(link_path(order), ADDRESS).status_code == 200
    [ticket] = Ticket.objects.all()
    assert "deliver 1 × Shirt" in ticket.messages.get().body
