from django.apps import AppConfig


class PapersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "papers"

    def ready(self) -> None:
        # Register the Celery tasks in every process: domain modules queue them by name (papers.tasks).
        from . import tasks  # noqa: F401
