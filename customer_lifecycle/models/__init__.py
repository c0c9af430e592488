from . import customer_lifecycle_stage
from . import customer_lifecycle_history
from . import customer_lifecycle_fact
from . import res_partner
from . import customer_lifecycle_engine
from . import res_company
from . import res_config_settings
from . import sale_order
