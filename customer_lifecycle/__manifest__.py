{
    "name": "Customer Lifecycle",
    "summary": "Lifecycle stages, consent, referrals and RFM / 80-20 segments for every customer",
    "version": "19.0.1.0.0",
    "category": "Sales/Sales",
    "author": "customer_lifecycle developers",
    "license": "LGPL-3",
    "depends": [
        "account",
        "mail",
        "phone_validation",
        "sale_management",
        "sale_margin",
        "utm",
    ],
    "external_dependencies": {"python": []},
    "data": [
        "security/res_groups.xml",
        "security/ir.model.access.csv",
        "data/lifecycle_stage_data.xml",
        "views/lifecycle_stage_views.xml",
        "views/res_partner_views.xml",
        "views/customer_lifecycle_menus.xml",
    ],
    "demo": [
        "demo/customer_demo.xml",
    ],
    "assets": {
        "web.assets_tests": ["customer_lifecycle/static/tests/tours/*.js"],
    },
}
