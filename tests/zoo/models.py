"""Every field, index and constraint shape a schema comparison must accept.

Migrated on SQLite, PostgreSQL and MariaDB, these tables must verify with no
problem. Some shapes are silently degraded or skipped by Django on some
backends (see the comments on ``Animal.Meta`` and ``Keeper.Meta``); the live
schema is still "what the models expect" there.
"""

import uuid

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower, Now

from .fields import CollatedCharField


class Stamped(models.Model):
    """Abstract base: its fields and its %(class)s-named index are inherited."""

    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        indexes = [models.Index(fields=["created"], name="%(app_label)s_%(class)s_cr")]


class Keeper(models.Model):
    id = models.SmallAutoField(primary_key=True)
    badge = CollatedCharField(max_length=20, unique=True)
    name = models.CharField(max_length=100)
    email = models.EmailField()

    class Meta:
        # Expression index and expression unique: skipped on MariaDB.
        indexes = [models.Index(Lower("name"), name="zoo_keeper_lower_name")]
        constraints = [models.UniqueConstraint(Lower("email"), name="zoo_keeper_email_ci_uniq")]


class Habitat(models.Model):
    id = models.AutoField(primary_key=True)
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        db_table = "zoo_custom_habitat"


class Enclosure(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=50)


class Animal(Stamped):
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    slug = models.SlugField()
    email = models.EmailField(blank=True)
    homepage = models.URLField(blank=True)
    is_alive = models.BooleanField(default=True)
    is_vaccinated = models.BooleanField(null=True)
    legs = models.IntegerField(db_column="leg_count", default=4)
    population = models.BigIntegerField(default=0)
    rank = models.SmallIntegerField(default=0)
    weight_g = models.PositiveIntegerField(default=0)
    age = models.PositiveSmallIntegerField(default=0)
    cells = models.PositiveBigIntegerField(default=0)
    speed = models.FloatField(default=0.0)
    price = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    born = models.DateField(null=True, blank=True)
    feeding_time = models.TimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)
    gestation = models.DurationField(null=True, blank=True)
    photo_hash = models.BinaryField(blank=True, default=b"")
    tracker = models.UUIDField(default=uuid.uuid4, unique=True)
    traits = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    document = models.FileField(upload_to="documents/", blank=True)
    registered = models.DateTimeField(db_default=Now())
    status = models.CharField(max_length=10, db_default="new")
    keeper = models.ForeignKey(
        Keeper, to_field="badge", on_delete=models.PROTECT, related_name="animals"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="young"
    )
    home = models.ForeignKey(
        Habitat,
        null=True,
        blank=True,
        db_constraint=False,
        on_delete=models.DO_NOTHING,
        related_name="+",
    )
    visited = models.ManyToManyField(Habitat, blank=True, related_name="visitors")
    enclosures = models.ManyToManyField(Enclosure, through="Residency", related_name="animals")

    class Meta:
        indexes = [
            models.Index(fields=["name", "born"], name="zoo_animal_name_born"),
            models.Index(fields=["-last_seen"], name="zoo_animal_seen_desc"),
            # Partial: created without its condition on MySQL/MariaDB.
            models.Index(fields=["name"], condition=Q(is_alive=True), name="zoo_animal_alive_name"),
            # Expression: skipped on MariaDB.
            models.Index(Lower("name"), name="zoo_animal_lower_name"),
            # Opclasses: PostgreSQL only; a plain index elsewhere.
            models.Index(
                fields=["slug"], opclasses=["varchar_pattern_ops"], name="zoo_animal_slug_ops"
            ),
            # Covering: PostgreSQL only; a plain index on keeper_id elsewhere.
            models.Index(fields=["keeper"], include=["name"], name="zoo_animal_keeper_cov"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["keeper", "name"], name="zoo_animal_keeper_name_uniq"),
            # Conditional unique: skipped on MySQL/MariaDB.
            models.UniqueConstraint(
                fields=["slug"], condition=Q(is_alive=True), name="zoo_animal_alive_slug_uniq"
            ),
            models.CheckConstraint(
                condition=Q(legs__gte=0, legs__lte=1000), name="zoo_animal_legs_range"
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0) | Q(is_alive=False), name="zoo_animal_price_check"
            ),
        ]


class Mammal(Animal):
    class Meta:
        proxy = True


class Bird(Animal):
    """Multi-table inheritance: the primary key is a one-to-one foreign key."""

    wingspan_cm = models.FloatField(default=0.0)

    class Meta:
        # Its own Meta, or it would inherit Stamped.Meta's index on a parent field.
        verbose_name = "bird"


class Residency(models.Model):
    animal = models.ForeignKey(Animal, on_delete=models.CASCADE)
    enclosure = models.ForeignKey(Enclosure, on_delete=models.CASCADE)
    since = models.DateField()
    order = models.IntegerField(default=0)  # a reserved word as a column name

    class Meta:
        unique_together = [("animal", "enclosure")]


class Passport(Stamped):
    animal = models.OneToOneField(Animal, on_delete=models.CASCADE, related_name="passport")
    number = models.CharField(max_length=20, unique=True)
    issued = models.DateField()


class Measurement(models.Model):
    a = models.IntegerField()
    b = models.IntegerField()
    total = models.GeneratedField(
        expression=F("a") + F("b"), output_field=models.IntegerField(), db_persist=True
    )


class LegacyReport(models.Model):
    """Unmanaged, and its table does not exist: never compared."""

    title = models.CharField(max_length=100)

    class Meta:
        managed = False
        db_table = "zoo_legacy_report"
