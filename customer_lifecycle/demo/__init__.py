from . import customer_demo
