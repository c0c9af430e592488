from . import account_move
from . import customer_lifecycle_fact
from . import pos_order
from . import res_company
from . import res_config_settings
from . import res_partner
