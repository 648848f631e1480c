"""Per-user profile data kept beside django.contrib.auth's User."""

from django.conf import settings
from django.db import models


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    display_name = models.CharField(max_length=100, blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    favourite_resources = models.ManyToManyField(
        "content.Resource", blank=True, related_name="fans"
    )

    def __str__(self) -> str:
        return self.display_name or self.user.get_username()
