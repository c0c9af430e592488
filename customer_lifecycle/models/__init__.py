from . import customer_lifecycle_stage
from . import res_partner
