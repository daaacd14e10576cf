from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from channels_app.api.views import (
    auth,
    carts,
    catalog,
    customers,
    drawer,
    inventory,
    orders,
    pos,
    recommendations,
    staff,
    stock_accuracy,
    support,
    till_offline,
    unknown,
)

app_name = "api"

urlpatterns = [
    path("auth/token/", auth.TokenCreateApi.as_view(), name="token"),
    path("locations/", inventory.LocationListCreateApi.as_view(), name="locations"),
    path("availability/", inventory.AvailabilityApi.as_view(), name="availability"),
    path("inventory/receipts/", inventory.ReceiptCreateApi.as_view(), name="receipts"),
    path("inventory/adjustments/", inventory.AdjustmentCreateApi.as_view(), name="adjustments"),
    path("inventory/transfers/", inventory.TransferCreateApi.as_view(), name="transfers"),
    path("inventory/movements/", inventory.MovementListApi.as_view(), name="movements"),
    path("products/", catalog.ProductListCreateApi.as_view(), name="products"),
    path("products/<slug:slug>/", catalog.ProductDetailApi.as_view(), name="product"),
    path("variants/<str:code>/", catalog.VariantDetailApi.as_view(), name="variant"),
    path("cart/", carts.CartApi.as_view(), name="cart"),
    path("cart/lines/", carts.CartLineCreateApi.as_view(), name="cart-lines"),
    path("cart/lines/<int:line_id>/", carts.CartLineDetailApi.as_view(), name="cart-line"),
    path("cart/promotion-codes/", carts.CartPromotionCodeApi.as_view(), name="cart-codes"),
    path("checkout/", orders.CheckoutApi.as_view(), name="checkout"),
    path("orders/", orders.OrderListApi.as_view(), name="orders"),
    path("orders/<str:number>/", orders.OrderDetailApi.as_view(), name="order"),
    path("customers/merge/", customers.CustomerMergeApi.as_view(), name="customer-merge"),
    path("customers/<int:customer_id>/", customers.CustomerDetailApi.as_view(), name="customer"),
    path(
        "customers/<int:customer_id>/timeline/",
        customers.CustomerTimelineApi.as_view(),
        name="customer-timeline",
    ),
    path("me/timeline/", customers.MyTimelineApi.as_view(), name="my-timeline"),
    path("pos/customers/", pos.CustomerSearchApi.as_view(), name="pos-customers"),
    path("pos/carts/<str:handoff_code>/", pos.PosCartApi.as_view(), name="pos-cart"),
    path("pos/sales/", till_offline.PosSaleApi.as_view(), name="pos-sales"),
    path("pos/devices/", till_offline.TillDeviceApi.as_view(), name="pos-devices"),
    path("pos/snapshot/", till_offline.TillSnapshotApi.as_view(), name="pos-snapshot"),
    path(
        "stock-discrepancies/",
        till_offline.StockDiscrepancyListApi.as_view(),
        name="stock-discrepancies",
    ),
    path("returns/", pos.ReturnCreateApi.as_view(), name="returns"),
    path("stores/<slug:code>/pickups/", pos.PickupListApi.as_view(), name="pickups"),
    path("pickups/<str:number>/ready/", pos.PickupReadyApi.as_view(), name="pickup-ready"),
    path(
        "pickups/<str:number>/collected/",
        pos.PickupCollectedApi.as_view(),
        name="pickup-collected",
    ),
    path(
        "pickups/<str:number>/not-found/",
        stock_accuracy.PickupNotFoundApi.as_view(),
        name="pickup-not-found",
    ),
    path("stores/<slug:code>/counts/", stock_accuracy.StoreCountCreateApi.as_view(), name="counts"),
    path(
        "stores/<slug:code>/accuracy/", stock_accuracy.StoreAccuracyApi.as_view(), name="accuracy"
    ),
    path("stores/<slug:code>/drawer/", drawer.DrawerApi.as_view(), name="drawer"),
    path("stores/<slug:code>/drawer/open/", drawer.DrawerOpenApi.as_view(), name="drawer-open"),
    path("stores/<slug:code>/drawer/close/", drawer.DrawerCloseApi.as_view(), name="drawer-close"),
    path("staff/", staff.StaffCreateApi.as_view(), name="staff"),
    path("tickets/", support.TicketListCreateApi.as_view(), name="tickets"),
    path("tickets/<str:number>/", support.TicketDetailApi.as_view(), name="ticket"),
    path(
        "tickets/<str:number>/messages/",
        support.TicketMessageCreateApi.as_view(),
        name="ticket-messages",
    ),
    path("tickets/<str:number>/status/", support.TicketStatusApi.as_view(), name="ticket-status"),
    path("inbound-email/", support.InboundEmailApi.as_view(), name="inbound-email"),
    path(
        "recommendations/",
        recommendations.RecommendationsApi.as_view(),
        name="recommendations",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    # Last: anything else under /api/ is a 404 in the error body, not the HTML page.
    re_path(r"", unknown.unknown_path, name="unknown"),
]
