"""What the sign-up page asks beyond allauth's own fields."""

from django import forms

from channels_app.forms import MARKETING_CONSENT_LABEL
from shop.customers.services import customer_for_user, customer_marketing_consent_set


class SignupConsentForm(forms.Form):
    marketing_consent = forms.BooleanField(label=MARKETING_CONSENT_LABEL, required=False)

    def signup(self, request, user) -> None:
        customer_marketing_consent_set(
            customer=customer_for_user(user), consent=self.cleaned_data["marketing_consent"]
        )
