"""WSGI entry point for production servers, e.g. `gunicorn wsgi:app`.

Configure the access log without the client address (gunicorn: --access-logformat
'%(m)s %(U)s %(s)s'): the portal keeps no IP addresses.
"""

from portal import create_app

app = create_app()
