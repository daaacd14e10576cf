"""Back-office users enrol a second factor before the back office opens.

`StaffMfaMiddleware` sends anyone with back-office access (staff status or the manager role)
who has no authenticator app yet to allauth's enrolment page, from every path under
`settings.MFA_REQUIRED_PATHS`. Signing in then asks them for a code (allauth's MFA stage).
"""

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy

from shop.staff.roles import is_manager

ENROL_MESSAGE = gettext_lazy(
    "The back office needs two-factor authentication: add this site to an authenticator "
    "app on your phone, then enter the code it shows."
)


def mfa_required(user) -> bool:
    """Back-office users must have a second factor; shoppers and clerks may."""
    return user.is_authenticated and (user.is_staff or is_manager(user))


def has_second_factor(user) -> bool:
    return is_mfa_enabled(user, [Authenticator.Type.TOTP])


def needs_enrolment(request) -> bool:
    return (
        request.path.startswith(tuple(settings.MFA_REQUIRED_PATHS))
        and mfa_required(request.user)
        and not has_second_factor(request.user)
    )


class StaffMfaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if needs_enrolment(request):
            messages.warning(request, ENROL_MESSAGE)
            return redirect("mfa_activate_totp")
        return self.get_response(request)
