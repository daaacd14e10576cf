"""A service request across channels, in Chromium on the demo shop: the demo shopper signs in
and asks online about one of their web orders; a clerk in Paris looks the shopper up at the
till, sees the request and the web order on the customer's panel, answers (and leaves an
internal note); the shopper reads the answer, and only the answer, in their account."""

import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import expect

from carts.checkout import CheckoutDetails, checkout_place
from carts.pos import TillPayment, pos_sale_complete
from carts.services import cart_anonymous_new, cart_line_add
from channels_app.management.commands.load_demo import CLERK_PASSWORD, SHOPPER
from inventory.models import Location
from shop.catalog.models import Variant
from shop.channels import Channel
from shop.customers.models import Customer
from shop.orders.models import Order
from shop.orders.services import order_mark_shipped
from shop.support.models import Ticket
from tests.browser import TIMEOUT_MS, VIEWPORT, _call_failed, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLERK = "clerk-paris"
PARIS = "Omnistore Paris Marais"
SKU = "TEE-BRT-NVY-M"  # Breton Striped T-shirt, 34.90
SUBJECT = "Stripes faded after one wash"
QUESTION = "The navy stripes faded after the first wash at 30 °C. Can I swap it?"
ANSWER = "Sorry about that! Bring it to any store: we swap it at once, receipt not needed."
NOTE = "Checked the batch: second complaint this week."


@pytest.fixture
def demo(live_server):
    """The demo shop, in the live server's (transactional) database."""
    call_command("load_demo", stdout=io.StringIO())


@pytest.fixture
def web_order(demo) -> Order:
    """A delivery the demo shopper ordered online earlier, paid by card and shipped."""
    customer = Customer.objects.get(email__iexact=SHOPPER["email"])
    cart = cart_anonymous_new()
    cart_line_add(cart=cart, sku=SKU, quantity=1, channel=Channel.WEB)
    order = checkout_place(
        cart=cart,
        customer=customer,
        details=CheckoutDetails(
            email=SHOPPER["email"],
            fulfilment=Order.Fulfilment.DELIVERY,
            payment_method="card",
            card_token="tok_visa",
            shipping_address={
                "name": SHOPPER["name"],
                "line1": "12 rue des Rosiers",
                "postcode": "75004",
                "city": "Paris",
                "country": "FR",
            },
        ),
    )
    return order_mark_shipped(order=order)


@pytest.fixture
def store_purchase(web_order) -> Order:
    """Two more tees the shopper bought at the Paris till, paid on the card terminal."""
    return pos_sale_complete(
        store=Location.objects.get(code="paris"),
        clerk=None,
        payment=TillPayment(method="card", terminal_reference="T-PARIS-1"),
        lines=[(Variant.objects.get(sku=SKU), 2)],
        customer=web_order.customer,
    )


@pytest.fixture
def clerk_page(request, chromium):
    """The clerk's own browser at the till, next to the shopper's `page` (screenshot on
    failure, as `page` does)."""
    context = chromium.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    clerk = context.new_page()
    try:
        yield clerk
        if request.node.stash.get(_call_failed, False) and not clerk.is_closed():
            screenshot(clerk, f"FAILED-{request.node.nodeid}-clerk")
    finally:
        context.close()


@pytest.fixture
def page_errors(page, clerk_page) -> list[str]:
    errors: list[str] = []
    for browser_page in (page, clerk_page):
        browser_page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def sign_in(page, base: str, next_path: str, login: str, password: str) -> None:
    page.goto(f"{base}{next_path}")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}{next_path}")


def test_a_request_online_answered_at_the_till(
    live_server, web_order, store_purchase, page, clerk_page, page_errors
):
    base = live_server.url
    shop, till = page, clerk_page

    # The shopper signs in and asks about their web order, from the account's requests.
    sign_in(shop, base, "/account/orders/", SHOPPER["email"], SHOPPER["password"])
    expect(shop.get_by_role("heading", level=1)).to_have_text("My account")
    shop.get_by_role("navigation", name="Account and cart").get_by_role(
        "link", name="My requests"
    ).click()
    expect(shop.get_by_role("heading", level=2, name="No requests yet")).to_be_visible()
    shop.get_by_role("link", name="New request").first.click()
    expect(shop).to_have_url(f"{base}/account/requests/new/")
    shop.get_by_label("Subject").fill(SUBJECT)
    expect(shop.get_by_label("About an order (optional)").locator("option")).to_have_count(3)
    shop.get_by_label("About an order (optional)").select_option(web_order.number)
    shop.get_by_label("Message").fill(QUESTION)
    shop.get_by_role("button", name="Send request").click()

    ticket = Ticket.objects.get()
    expect(shop).to_have_url(f"{base}/account/requests/{ticket.number}/")
    expect(shop.get_by_role("heading", level=1)).to_have_text(SUBJECT)
    expect(shop.locator(".messages")).to_contain_text("Your request is sent.")
    expect(shop.locator(".order-meta")).to_contain_text(f"about order {web_order.number}")
    expect(shop.locator(".thread .bubble")).to_have_count(1)
    expect(shop.locator(".bubble-customer")).to_contain_text(QUESTION)
    screenshot(shop, "support-shopper-request")
    assert (ticket.opened_channel, ticket.order, ticket.customer.email) == (
        Channel.WEB,
        web_order,
        SHOPPER["email"],
    )

    # At the till in Paris: the clerk finds the customer, whose panel opens.
    sign_in(till, base, "/pos/", CLERK, CLERK_PASSWORD)
    expect(till.locator(".pos-store")).to_have_text(PARIS)
    till.get_by_label("Find a customer").fill("Camille")
    till.get_by_label("Find a customer").press("Enter")
    till.locator(".match-list").get_by_role("link", name=SHOPPER["name"]).click()
    expect(till).to_have_url(f"{base}/pos/customers/{ticket.customer_id}/")
    expect(till.get_by_role("heading", level=1)).to_have_text(SHOPPER["name"])
    spend = till.get_by_role("region", name="Lifetime spend")
    web = spend.get_by_role("row", name=re.compile("Web storefront"))
    expect(web).to_contain_text("€38.80")  # 34.90 and Colissimo's 4.90
    expect(spend.get_by_role("row", name=re.compile("Point of sale"))).to_contain_text("€69.80")
    expect(spend.get_by_role("row", name=re.compile("All channels"))).to_contain_text("€108.60")
    orders = till.get_by_role("region", name="Recent orders, every channel")
    expect(orders).to_contain_text(web_order.number)
    expect(orders).to_contain_text(store_purchase.number)
    expect(orders).to_contain_text("1 × Breton Striped T-shirt")
    return_link = orders.get_by_role("link", name=f"Return items of {web_order.number}")
    expect(return_link).to_have_attribute("href", f"/pos/returns/{web_order.number}/")
    requests = till.get_by_role("region", name="Open requests")
    expect(requests.get_by_role("link", name=SUBJECT)).to_be_visible()
    expect(till.get_by_role("region", name="Recent activity")).to_contain_text(SUBJECT)
    screenshot(till, "support-till-panel")

    # The request: the clerk answers the customer, then leaves a note for colleagues.
    requests.get_by_role("link", name=SUBJECT).click()
    expect(till).to_have_url(f"{base}/pos/tickets/{ticket.number}/")
    expect(till.locator(".note-customer")).to_contain_text(QUESTION)
    expect(till.get_by_role("region", name=f"Order {web_order.number}")).to_contain_text(
        "Web storefront"
    )
    till.get_by_label("Message").fill(ANSWER)
    till.get_by_role("button", name="Reply to the customer").click()
    expect(till.locator(".pos-messages")).to_contain_text(
        f"Reply sent: {SHOPPER['email']} gets it by email."
    )
    till.get_by_label("Message").fill(NOTE)
    till.get_by_role("button", name="Add internal note").click()
    expect(till.locator(".pos-messages")).to_contain_text("Internal note added.")
    expect(till.locator(".thread .note")).to_have_count(3)
    expect(till.locator(".note-internal")).to_contain_text(NOTE)
    expect(till.locator(".note-internal .badge")).to_have_text("Internal note")
    expect(till.locator(".page-head .badge")).to_have_text("Waiting for the customer")
    screenshot(till, "support-clerk-ticket")

    # The shopper reads the answer in their account; the note stays with the staff.
    shop.reload()
    expect(shop.locator(".thread .bubble")).to_have_count(2)
    expect(shop.locator(".bubble-shop")).to_contain_text(ANSWER)
    expect(shop.locator(".bubble-shop")).to_contain_text("Omnistore customer service")
    expect(shop.locator(".order-meta .status")).to_have_text("Awaiting your reply")
    expect(shop.locator("main")).not_to_contain_text(NOTE)
    screenshot(shop, "support-shopper-thread")
    shop.get_by_role("link", name="My requests").first.click()
    row = shop.locator(".ticket-row").filter(has_text=SUBJECT)
    expect(row).to_contain_text("Awaiting your reply")
    shop.get_by_role("navigation", name="Your account").get_by_role(
        "link", name="Orders and returns"
    ).click()
    expect(shop.get_by_role("region", name="Service requests")).to_contain_text(SUBJECT)
    expect(shop.locator(".order-row").filter(has_text=web_order.number)).to_contain_text("Shipped")
    screenshot(shop, "support-shopper-account")

    # The queue at the till: nothing left open; the request waits for the customer.
    till.get_by_role("navigation", name="Point of sale").get_by_role(
        "link", name="Requests"
    ).click()
    expect(till.locator(".queue-table")).to_have_count(0)
    till.get_by_role("navigation", name="Status").get_by_role(
        "link", name=re.compile("^Waiting for the customer")
    ).click()
    expect(till.locator(".queue-table tbody tr")).to_have_count(1)
    expect(till.locator(".queue-table")).to_contain_text(SHOPPER["name"])
    screenshot(till, "support-till-queue")

    # The answer also went out by email, from the outbox, to the shopper.
    [email] = [m for m in mail.outbox if m.subject.startswith(f"[#{ticket.number}]")]
    assert email.to == [SHOPPER["email"]]
    assert ANSWER in email.body
    assert page_errors == []


def test_an_anonymous_shopper_writes_through_the_contact_form(live_server, demo, page):
    base = live_server.url
    page.goto(f"{base}/")
    page.get_by_role("link", name="Contact us").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contact us")
    page.get_by_label("Your email").fill("walk.in@example.com")
    page.get_by_label("Subject").fill("Do you alter trousers?")
    page.get_by_label("Message").fill("I would need 3 cm shorter legs.")
    page.get_by_role("button", name="Send").click()

    ticket = Ticket.objects.get()
    expect(page.locator(".messages")).to_contain_text(
        f"your request {ticket.number} is received. We answer you at walk.in@example.com."
    )
    expect(page.get_by_label("Subject")).to_have_value("")
    screenshot(page, "support-contact-sent")
    assert ticket.customer.user is None
    assert (ticket.opened_channel, ticket.subject) == (Channel.WEB, "Do you alter trousers?")
