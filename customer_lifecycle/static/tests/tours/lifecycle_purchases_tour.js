import { registry } from "@web/core/registry";

// A salesperson opens a customer who bought by sale order and by direct invoice: the button
// counts every purchase, opens a dialog with a button per source, and the invoices' button opens
// the direct invoices.
registry.category("web_tour.tours").add("customer_lifecycle_purchases_tour", {
    steps: () => [
        {
            content: "The button counts the three purchases",
            trigger:
                ".o-form-buttonbox button[name='action_view_lifecycle_orders']:contains('3'):contains('Purchases')",
            run: "click",
        },
        {
            content: "A dialog: one sale order, two direct invoices",
            trigger:
                ".modal .o_form_view button[name='action_open_sale_orders']:contains('1'):contains('Sale Orders')",
        },
        {
            content: "Open the direct invoices",
            trigger:
                ".modal .o_form_view button[name='action_open_invoices']:contains('2'):contains('Direct Invoices')",
            run: "click",
        },
        {
            content: "The list of the two direct invoices",
            trigger: ".o_list_view .o_data_row:nth-child(2) .o_data_cell",
        },
        {
            content: "Titled by what it shows",
            trigger: ".o_breadcrumb:contains('Direct Invoices')",
            run() {
                const rows = document.querySelectorAll(".o_list_view .o_data_row");
                if (rows.length !== 2) {
                    throw new Error(`2 direct invoices expected, ${rows.length} shown`);
                }
            },
        },
    ],
});
