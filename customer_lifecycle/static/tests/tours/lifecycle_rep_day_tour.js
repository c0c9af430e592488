import { registry } from "@web/core/registry";

// A salesperson filters the funnel on "Stale in Stage" (it crashed with "Oops"): the prospect
// left 31 days in its stage stays, the one moved there 5 days ago goes.
registry.category("web_tour.tours").add("customer_lifecycle_stale_filter_tour", {
    url: "/odoo/lifecycle-funnel",
    steps: () => [
        {
            content: "Both prospects are in the funnel",
            trigger:
                ".o_kanban_renderer:contains('Tour Stale Prospect'):contains('Tour Fresh Prospect')",
        },
        {
            content: "Open the filters",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Filter: Stale in Stage",
            trigger: ".o_filter_menu .dropdown-item:contains('Stale in Stage')",
            run: "click",
        },
        {
            content: "The filter is applied",
            trigger: ".o_searchview_facet:contains('Stale in Stage')",
        },
        {
            content: "Only the stale prospect is left",
            trigger:
                ".o_kanban_renderer:contains('Tour Stale Prospect'):not(:contains('Tour Fresh Prospect'))",
        },
    ],
});

// An accountant opens the Invoicing tab of a customer who owes money and paid nothing: no
// "days to pay", but "No invoice paid yet"; the overdue date as the form writes dates.
registry.category("web_tour.tours").add("customer_lifecycle_no_payment_tour", {
    steps: () => [
        {
            content: "Its Invoicing tab",
            trigger: ".o_notebook .nav-link:contains('Invoicing')",
            run: "click",
        },
        {
            content: "Nothing paid reads as such",
            trigger: ".o_lifecycle_company_value .o_lifecycle_value_unpaid:contains('No invoice paid yet')",
        },
        {
            content: "The overdue date is written out, not numeric",
            trigger: ".o_lifecycle_value_overdue_since:contains('Oct'):not(:contains('/'))",
        },
    ],
});
