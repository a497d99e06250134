"""WSGI entry point.

Each web process warms up (search index, catalogue: ``onething.core.warmup``) as it
loads the application, so the first request is as fast as the rest.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onething.settings")
application = get_wsgi_application()

from onething.core.warmup import warm_up  # noqa: E402 - needs the settings above

warm_up()
