from odoo import fields, models


class CustomerLifecycleBacktest(models.TransientModel):
    _name = "customer.lifecycle.backtest"
    _description = "Customer Value Model Backtest"

    cutoff_date = fields.Date(string="Cut-off Date")


class CustomerLifecycleBacktestWeek(models.TransientModel):
    _name = "customer.lifecycle.backtest.week"
    _description = "Customer Value Model Backtest Week"

    backtest_id = fields.Many2one("customer.lifecycle.backtest", ondelete="cascade")
