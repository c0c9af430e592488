from . import pos_demo
