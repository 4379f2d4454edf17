"""gunicorn settings of the PS752 portal: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Behind the shipped nginx site (deploy/nginx/portal.conf), on loopback only: nginx is
the one client, and the onion-only mode (portal/web/onion.py) believes its mark only
from a loopback peer. Threaded workers (gthread): an evidence upload over Tor can take
an hour, and a sync worker is killed by the arbiter after `timeout` seconds of one
request; a gthread worker's main thread keeps reporting while its threads stream. A
client that stops sending is dropped by nginx (client_body_timeout), which closes the
connection to gunicorn and so frees the thread (docs/operations.md, "Deployment").

No access log: nginx writes one without client addresses, and the portal logs each
request itself (method, path, status). Numbers come from the environment
(ps752-web.service sets them), so one file serves every host.
"""

import multiprocessing
import os
from pathlib import Path

bind = os.environ.get("PS752_BIND", "127.0.0.1:8000").split(",")
workers = int(os.environ.get("PS752_WORKERS", 2 * multiprocessing.cpu_count() + 1))
worker_class = "gthread"
threads = int(os.environ.get("PS752_THREADS", "4"))
# Seconds a worker may stay silent before the arbiter restarts it (not a request limit
# with gthread); graceful_timeout: how long a restart lets running requests finish.
timeout = int(os.environ.get("PS752_WORKER_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("PS752_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
# The heartbeat file in memory: a slow disk must not make a worker look dead.
# (The heartbeat is an empty file gunicorn creates with mkstemp: nothing to guess or read.)
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108

accesslog = None
errorlog = "-"
loglevel = os.environ.get("PS752_GUNICORN_LOG_LEVEL", "warning")

# Only nginx on this machine may say the request came over HTTPS, and only through
# X-Forwarded-Proto (nginx sets it on every request and clears the other two forms).
forwarded_allow_ips = "127.0.0.1,::1"
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}

# No control socket (gunicorn 24+ opens one in the home folder by default): nothing
# manages gunicorn but systemd, and two instances on one host would share its path.
control_socket_disable = True
