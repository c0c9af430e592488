from . import caller
from . import consent_page
from . import satisfaction_page
