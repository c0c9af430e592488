import { registry } from "@web/core/registry";

// A salesperson with "Own Documents Only" opens a customer's form: one line above the tabs says
// who this is (stage, class, last order and what it was, quotations, overdue, consent, last
// answer, next special date); it follows a move by the statusbar; the quotations open in a list.
registry.category("web_tour.tours").add("customer_lifecycle_glance_tour", {
    steps: () => [
        {
            content: "The line is above the tabs",
            trigger: ".o_form_sheet .o_field_widget:has(> .o_lifecycle_glance) + .o_notebook",
        },
        {
            content: "Stage and value class",
            trigger:
                ".o_lifecycle_glance .o_lifecycle_glance_stage:contains('Repeat Customer') ~ .o_lifecycle_glance_class:contains('Class A')",
        },
        {
            content: "The last order and what it was",
            trigger:
                ".o_lifecycle_glance_last_order:contains('Last order'):contains('Cut & Colour, 2 more')",
        },
        {
            content: "Open quotations and the overdue amount",
            trigger: ".o_lifecycle_glance_quotations:contains('Quotations: 2'):contains('200.00')",
        },
        {
            content: "The overdue amount, in red",
            trigger:
                ".o_lifecycle_glance_overdue a.text-danger:contains('Overdue'):contains('300.00')",
        },
        {
            content: "Consent per channel: email granted, SMS withdrawn",
            trigger:
                ".o_lifecycle_glance_consent i[data-state='granted'].fa-envelope + i[data-state='withdrawn'].fa-mobile",
        },
        {
            content: "The last satisfaction answer",
            trigger:
                ".o_lifecycle_glance_satisfaction .badge[data-category='promoter']:contains('9/10')",
        },
        {
            content: "The next special date",
            trigger: ".o_lifecycle_glance_special_date:contains('Birthday')",
        },
        {
            content: "The line fits the form: nothing overflows at this width",
            trigger: ".o_lifecycle_glance",
            run() {
                const line = document.querySelector(".o_lifecycle_glance");
                if (line.scrollWidth > line.clientWidth + 1) {
                    throw new Error(`the line overflows: ${line.scrollWidth} > ${line.clientWidth}`);
                }
            },
        },
        {
            content: "Move the customer to Fan by the Lifecycle tab's statusbar",
            trigger: ".o_notebook .nav-link:contains('Lifecycle')",
            run: "click",
        },
        {
            content: "Fan",
            trigger: ".o_field_lifecycle_statusbar button:contains('Fan')",
            run: "click",
        },
        {
            content: "The line follows: the stage is now Fan",
            trigger: ".o_lifecycle_glance .o_lifecycle_glance_stage:contains('Fan')",
        },
        {
            content: "Open the quotations",
            trigger: ".o_lifecycle_glance_quotations a",
            run: "click",
        },
        {
            content: "The customer's open quotations",
            trigger: ".o_list_view .o_breadcrumb:contains('Open Quotations')",
        },
        {
            content: "Both quotations are listed",
            trigger: ".o_list_renderer:has(.o_data_row:eq(1)):not(:has(.o_data_row:eq(2)))",
        },
    ],
});
