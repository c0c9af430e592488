from . import customer_demo
from . import customer_satisfaction_demo
