"""The seller's legal details printed on receipts, invoices and Z reports (settings)."""

from django.conf import settings


def seller_details() -> dict[str, str]:
    return {
        "name": settings.SELLER_NAME,
        "address": settings.SELLER_ADDRESS,
        "registration": settings.SELLER_REGISTRATION,
        "vat_number": settings.SELLER_VAT_NUMBER,
    }
