"""``wsgi:app`` for tests that serve shareproxy under gunicorn and send it random server
names: every fediverse lookup meets a closed port at once (no DNS, nothing leaves the
machine). ``gunicorn -c gunicorn.conf.py live_app:app`` with tests/ on the import path."""

from fedi_fakes import lookups_fail_fast

from wsgi import app

lookups_fail_fast(app)

__all__ = ["app"]
