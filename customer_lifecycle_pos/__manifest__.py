{
    "name": "Customer Lifecycle - Point of Sale",
    "summary": "Sales at the counter count in the customer lifecycle; the cashier sees the "
    "customer's stage, value class and next special date",
    "version": "19.0.1.0.0",
    "category": "Sales/Point of Sale",
    "author": "customer_lifecycle developers",
    "license": "LGPL-3",
    "depends": ["customer_lifecycle", "point_of_sale"],
    "data": [
        "views/res_config_settings_views.xml",
        "views/customer_lifecycle_purchases_views.xml",
    ],
    "demo": [
        "demo/pos_demo.xml",
    ],
    "assets": {
        "point_of_sale._assets_pos": [
            "customer_lifecycle_pos/static/src/**/*",
        ],
        "web.assets_tests": [
            "customer_lifecycle_pos/static/tests/tours/**/*",
        ],
    },
    "post_init_hook": "post_init_hook",
    "uninstall_hook": "uninstall_hook",
    "auto_install": True,
}
