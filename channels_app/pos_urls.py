"""The clerk's pages: the till, receipts, the pickup desk, returns, the cash drawer, one
customer's panel and the service requests."""

from django.urls import path

from channels_app.views.pos import (
    access,
    counts,
    customers,
    drawer,
    endless_aisle,
    pickups,
    receipts,
    returns,
    tickets,
    till,
)

app_name = "pos"

urlpatterns = [
    path("", till.till, name="till"),
    path("store/", access.store_select, name="store"),
    path("sale/scan/", till.scan, name="scan"),
    path("sale/lines/", till.line_add, name="line-add"),
    path("sale/lines/<str:sku>/", till.line_update, name="line-update"),
    path("sale/lines/<str:sku>/remove/", till.line_remove, name="line-remove"),
    path("sale/codes/", till.code_apply, name="code-apply"),
    path("sale/codes/remove/", till.code_remove, name="code-remove"),
    path("sale/customer/", till.customer_attach, name="customer-attach"),
    path("sale/customer/detach/", till.customer_detach, name="customer-detach"),
    path("sale/cart/", till.cart_load, name="cart-load"),
    path("sale/cart/release/", till.cart_release, name="cart-release"),
    path("sale/clear/", till.sale_clear, name="sale-clear"),
    path("sale/complete/", till.complete, name="sale-complete"),
    path("sale/pending/<str:key>/", till.sale_pending, name="sale-pending"),
    path("endless-aisle/", endless_aisle.endless_aisle, name="endless-aisle"),
    path("receipts/<str:number>/", receipts.receipt, name="receipt"),
    path("pickups/", pickups.pickups, name="pickups"),
    path("pickups/pick-list/", pickups.pick_list, name="pick-list"),
    path("pickups/<str:number>/", pickups.pickup, name="pickup"),
    path("pickups/<str:number>/ready/", pickups.mark_ready, name="pickup-ready"),
    path("pickups/<str:number>/collected/", pickups.mark_collected, name="pickup-collected"),
    path("pickups/<str:number>/not-found/", pickups.mark_not_found, name="pickup-not-found"),
    path("counts/", counts.count_page, name="count"),
    path("counts/items/", counts.count_item, name="count-item"),
    path("counts/items/<str:sku>/remove/", counts.count_remove, name="count-remove"),
    path("counts/finish/", counts.count_finish, name="count-finish"),
    path("counts/<int:pk>/", counts.count_done, name="count-done"),
    path("returns/", returns.returns, name="returns"),
    path("returns/done/<int:pk>/", returns.return_done, name="return-done"),
    path("returns/<str:number>/", returns.return_order, name="return-order"),
    path("drawer/", drawer.drawer, name="drawer"),
    path("drawer/open/", drawer.open_drawer, name="drawer-open"),
    path("drawer/close/", drawer.close_drawer, name="drawer-close"),
    path("customers/", customers.customers, name="customers"),
    path("customers/<int:customer_id>/", customers.customer_panel, name="customer"),
    path(
        "customers/<int:customer_id>/requests/new/",
        customers.customer_ticket_new,
        name="customer-ticket-new",
    ),
    path("tickets/", tickets.queue, name="tickets"),
    path("tickets/<str:number>/", tickets.ticket, name="ticket"),
    path("tickets/<str:number>/messages/", tickets.ticket_message, name="ticket-message"),
    path("tickets/<str:number>/status/", tickets.ticket_status, name="ticket-status"),
    path("tickets/<str:number>/take/", tickets.ticket_take, name="ticket-take"),
]
