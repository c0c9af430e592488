from . import customer_lifecycle_lost
from . import base_partner_merge_automatic_wizard
from . import mail_blacklist_remove
from . import phone_blacklist_remove
from . import customer_consent_link
from . import privacy_lookup_wizard
from . import customer_lifecycle_backtest
from . import customer_lifecycle_profile
