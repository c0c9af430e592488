from . import controllers
from . import models
from . import report
from . import wizard
from . import demo
from .hooks import post_init_hook
