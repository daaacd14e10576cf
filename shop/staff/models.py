from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffProfile(models.Model):
    """A staff member's role. A clerk works in exactly one store; a manager everywhere."""

    class Role(models.TextChoices):
        CLERK = "clerk", _("Clerk")
        MANAGER = "manager", _("Manager")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    store = models.ForeignKey(
        "inventory.Location", null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="manager") | models.Q(store__isnull=False),
                name="staff_clerk_has_store",
            ),
        ]

    def __str__(self) -> str:
        where = f" at {self.store}" if self.store_id else ""
        return f"{self.user} ({self.get_role_display()}{where})"
