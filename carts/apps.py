from django.apps import AppConfig


class CartsConfig(AppConfig):
    name = "carts"
    label = "carts"
    verbose_name = "Carts"
