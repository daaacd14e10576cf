from allauth.account.signals import email_confirmed
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from channels_app import language  # noqa: F401  (its sign-in receiver)
from channels_app.current import adopt_session_cart
from channels_app.visitor import visitor_id, visitor_join
from shop.customers.services import customer_for_user, customer_link_verified_email
from shop.staff.roles import is_staff_member


@receiver(user_logged_in)
def merge_cart_on_sign_in(sender, request, user, **kwargs):
    adopt_session_cart(request, user)


@receiver(user_logged_in)
def join_product_views_on_sign_in(sender, request, user, **kwargs):
    # Staff signing in to the back office are not shoppers: no customer is made for them.
    if request is not None and visitor_id(request) and not is_staff_member(user):
        visitor_join(request, customer_for_user(user))


@receiver(email_confirmed)
def join_history_on_verified_email(sender, request, email_address, **kwargs):
    customer_link_verified_email(user=email_address.user, email=email_address.email)
