from . import demo
from . import models
from . import wizard
