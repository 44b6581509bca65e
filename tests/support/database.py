"""The database as data, to check that a refused request wrote nothing."""

from django.apps import apps


def dump_database() -> dict[str, list[dict]]:
    """Every row of every papers table, every column (timestamps included)."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in apps.get_app_config("papers").get_models()
    }
