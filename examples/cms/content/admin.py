from django.contrib import admin

from .models import Asset, Resource, Tag


@admin.register(Resource)
class ResourceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_active", "created"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ["title", "resource", "file_size", "created"]
    list_select_related = ["resource"]
    list_filter = ["resource"]
    search_fields = ["title", "checksum"]
    filter_horizontal = ["tags"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]
