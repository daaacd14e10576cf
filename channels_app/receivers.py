from allauth.account.signals import email_confirmed
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from channels_app.current import adopt_session_cart
from shop.customers.services import customer_link_verified_email


@receiver(user_logged_in)
def merge_cart_on_sign_in(sender, request, user, **kwargs):
    adopt_session_cart(request, user)


@receiver(email_confirmed)
def join_history_on_verified_email(sender, request, email_address, **kwargs):
    customer_link_verified_email(user=email_address.user, email=email_address.email)
