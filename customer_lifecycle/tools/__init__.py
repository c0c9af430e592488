from . import lifecycle_rules
from . import referral_code
