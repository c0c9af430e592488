{
    "name": "Customer Lifecycle - Email Marketing",
    "summary": "Mail and text the customers of a stage or segment from the funnel, with consent "
    "applied; mailing lists that follow a stage, an RFM segment, a value class or a saved filter",
    "version": "19.0.1.0.0",
    "category": "Marketing/Email Marketing",
    "author": "customer_lifecycle developers",
    "license": "LGPL-3",
    "depends": ["customer_lifecycle", "mass_mailing", "mass_mailing_sms", "base_automation"],
    "data": [
        "security/ir.model.access.csv",
        "security/ir_rule.xml",
        "data/ir_actions_server_data.xml",
        "views/customer_lifecycle_mailing_member_views.xml",
        "views/mailing_mailing_views.xml",
        "views/mailing_list_views.xml",
    ],
    "demo": [
        "demo/mailing_list_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "customer_lifecycle_mass_mailing/static/tests/tours/**/*",
        ],
    },
    # in where Email Marketing is; Automation Rules (base_automation) come with it
    "auto_install": ["customer_lifecycle", "mass_mailing", "mass_mailing_sms"],
}
