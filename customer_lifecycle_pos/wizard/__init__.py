from . import customer_lifecycle_purchases
