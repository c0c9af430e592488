import { registry } from "@web/core/registry";

// An accountant opens a customer invoice: the alert line says what the customer is worth and
// how it pays; its link opens the customer, whose Invoicing tab shows the same figures.
registry.category("web_tour.tours").add("customer_lifecycle_invoice_tour", {
    steps: () => [
        {
            content: "The invoice says how the customer pays",
            trigger: "div[name='customer_lifecycle_value']:contains('overdue')",
        },
        {
            content: "Open the customer",
            trigger: "div[name='customer_lifecycle_value'] a:contains('Open the customer')",
            run: "click",
        },
        {
            content: "Its Invoicing tab",
            trigger: ".o_notebook .nav-link:contains('Invoicing')",
            run: "click",
        },
        {
            content: "The customer's value and payment figures for this company",
            trigger: ".o_lifecycle_company_value .o_lifecycle_value_overdue.text-danger",
        },
    ],
});
