"""Flask extensions, created here unbound and initialised by `create_app()`."""

from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from portal.web.throttle import account_key

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
migrate = Migrate()
# No default limits and no IP-based key: only the limits declared on a view apply,
# and they are keyed by a keyed hash of the account name.
limiter = Limiter(key_func=account_key, default_limits=[], strategy="moving-window")
