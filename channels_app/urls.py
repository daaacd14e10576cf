from django.urls import path

from channels_app.feeds import views as feeds
from channels_app.language import language_set
from channels_app.views.storefront import (
    addresses,
    cart,
    catalog,
    checkout,
    delivery_instead,
    invoices,
    orders,
    personalisation,
    reminders,
    support,
)

app_name = "storefront"

urlpatterns = [
    path("", catalog.home, name="home"),
    path("c/<slug:slug>/", catalog.category, name="category"),
    path("search/", catalog.search, name="search"),
    path("p/<slug:slug>/", catalog.product, name="product"),
    path("cart/", cart.cart, name="cart"),
    path("cart/add/", catalog.cart_add, name="cart-add"),
    path("cart/lines/<int:line_id>/", cart.line_update, name="cart-line-update"),
    path("cart/lines/<int:line_id>/remove/", cart.line_remove, name="cart-line-remove"),
    path("cart/codes/", cart.promotion_apply, name="cart-code-apply"),
    path("cart/codes/remove/", cart.promotion_remove, name="cart-code-remove"),
    path(
        "recommendations/panel/",
        personalisation.recommendations_panel,
        name="recommendations-panel",
    ),
    path("cart/restore/<str:token>/", reminders.cart_restore, name="cart-restore"),
    path("checkout/", checkout.checkout, name="checkout"),
    path("checkout/pending/<str:key>/", checkout.checkout_pending, name="checkout-pending"),
    path(
        "orders/deliver-instead/<str:token>/",
        delivery_instead.delivery_instead,
        name="delivery-instead",
    ),
    path("orders/<str:number>/", orders.order_detail, name="order"),
    path("orders/<str:number>/invoice.pdf", invoices.order_invoice, name="order-invoice"),
    path("account/orders/", orders.order_history, name="order-history"),
    path(
        "account/email-preferences/",
        personalisation.email_preferences,
        name="email-preferences",
    ),
    path("account/addresses/", addresses.address_list, name="addresses"),
    path("account/addresses/<int:address_id>/", addresses.address_edit, name="address-edit"),
    path(
        "account/addresses/<int:address_id>/delete/",
        addresses.address_delete,
        name="address-delete",
    ),
    path("account/requests/", support.ticket_list, name="tickets"),
    path("account/requests/new/", support.ticket_new, name="ticket-new"),
    path("account/requests/<str:number>/", support.ticket_detail, name="ticket"),
    path("account/requests/<str:number>/messages/", support.ticket_message, name="ticket-message"),
    path("contact/", support.contact, name="contact"),
    path("feeds/<str:name>", feeds.feed, name="feed"),
    path("language/", language_set, name="language"),
]
