from django.urls import path

from channels_app.views import storefront

app_name = "storefront"

urlpatterns = [
    path("", storefront.home, name="home"),
    path("c/<slug:slug>/", storefront.category, name="category"),
    path("p/<slug:slug>/", storefront.product, name="product"),
]
