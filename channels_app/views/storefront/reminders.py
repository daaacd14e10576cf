"""The link of a cart reminder: the reminded cart, back on whatever device opens it."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext

from channels_app.current import current_cart
from shop.marketing.recovery import reminder_restore
from shop.marketing.reminders import reminder_from_link

#: The email a reminder was written to, so its first-order code shows in the cart of a
#: shopper who is not signed in (checkout still checks the email typed there).
SESSION_REMINDER_EMAIL = "reminder_email"


def cart_restore(request, token: str):
    reminder = reminder_from_link(token)
    if reminder is None:
        messages.error(
            request, gettext("This link is no longer valid. Your cart may still be saved.")
        )
        return redirect("storefront:cart")
    cart = current_cart(request, create=True)
    reminder_restore(reminder=reminder, target=cart)
    if not request.user.is_authenticated:
        request.session[SESSION_REMINDER_EMAIL] = reminder.email
    messages.success(request, gettext("Welcome back: your cart is as you left it."))
    return redirect("storefront:cart")
