from . import customer_lifecycle_value_report
