from . import customer_lifecycle_lost
