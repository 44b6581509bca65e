import os
import threading

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

if settings.CELERY_TASK_ALWAYS_EAGER:
    # Without a broker, tasks run inside the web process: load scikit-learn beside the first requests,
    # not inside a member's first upvote or save (it takes seconds).
    from papers.similarity import preload

    threading.Thread(target=preload, name="preload-similarity", daemon=True).start()
