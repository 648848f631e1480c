"""Resources and the assets that belong to them.

``asset.resource_id`` is the column behind the classic deploy failure
"column asset.resource_id does not exist"; settings.py marks
``content.Asset.resource`` as a critical relationship.
"""

from django.db import models
from django.db.models import Q

MAX_FILE_SIZE = 10**10


class Resource(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField()
    created = models.DateTimeField(auto_now_add=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        db_table = "resource"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Asset(models.Model):
    title = models.CharField(max_length=200, db_index=True)
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="assets")
    file_size = models.PositiveBigIntegerField()
    checksum = models.CharField(max_length=64)
    description = models.TextField(blank=True, default="")
    tags = models.ManyToManyField(Tag, blank=True, related_name="assets")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "asset"
        ordering = ["-created"]
        indexes = [models.Index(fields=["-created"], name="asset_created_desc")]
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "title"], name="asset_unique_title_per_resource"
            ),
            models.CheckConstraint(
                condition=Q(file_size__lte=MAX_FILE_SIZE),
                name="asset_file_size_max",
            ),
        ]

    def __str__(self) -> str:
        return self.title
