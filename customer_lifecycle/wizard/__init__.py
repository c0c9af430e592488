from . import customer_lifecycle_lost
from . import base_partner_merge_automatic_wizard
