from . import customer_lifecycle_engine
from . import customer_lifecycle_mailing_member
from . import customer_lifecycle_segment_history
from . import mailing_contact
from . import mailing_list
from . import mailing_mailing
from . import res_partner
