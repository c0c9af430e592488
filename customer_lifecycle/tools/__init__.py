from . import lifecycle_rules
