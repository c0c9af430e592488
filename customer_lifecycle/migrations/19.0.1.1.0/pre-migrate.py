"""19.0.1.1.0: the order facts are kept per company. The old rows (one per customer, no
company) are dropped and the next nightly run rebuilds them all in a full run."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        "ALTER TABLE customer_lifecycle_fact"
        " DROP CONSTRAINT IF EXISTS customer_lifecycle_fact_partner_uniq"
    )
    cr.execute("TRUNCATE customer_lifecycle_fact")
    cr.execute("UPDATE res_company SET lifecycle_last_full_run = NULL")
