"""CityOps settings. Everything that differs between machines comes from the environment (README,
Configuration), read by the typed helpers of core/env.py: a wrong value stops start-up naming the variable.

One module per concern; a new app with settings of its own adds a module and a line here.
"""

from .api import *  # noqa: F403
from .base import *  # noqa: F403
from .cases import *  # noqa: F403
from .database import *  # noqa: F403
from .field import *  # noqa: F403
from .live import *  # noqa: F403
from .ops import *  # noqa: F403
from .security import *  # noqa: F403
from .suggest import *  # noqa: F403
from .worker import *  # noqa: F403

CELERY_BEAT_SCHEDULE.update(PATROL_BEAT)  # noqa: F405
