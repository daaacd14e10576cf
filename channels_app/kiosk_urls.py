from django.urls import path

from channels_app.views.kiosk import order, pages

app_name = "kiosk"

urlpatterns = [
    path("take/<str:token>/", order.take, name="take"),
    path("<slug:store>/", pages.start, name="start"),
    path("<slug:store>/enrol/", order.enrol, name="enrol"),
    path("<slug:store>/p/<slug:slug>/", pages.product, name="product"),
    path("<slug:store>/p/<slug:slug>/stock/", pages.product_stock, name="product-stock"),
    path("<slug:store>/cart/", pages.cart, name="cart"),
    path("<slug:store>/cart/add/", pages.cart_add, name="cart-add"),
    path("<slug:store>/cart/lines/<int:line_id>/remove/", pages.cart_remove, name="cart-remove"),
    path("<slug:store>/cart/handoff/", order.handoff, name="handoff"),
    path("<slug:store>/checkout/", order.checkout, name="checkout"),
    path("<slug:store>/orders/<str:number>/", order.done, name="done"),
    path("<slug:store>/reset/", order.reset, name="reset"),
]
