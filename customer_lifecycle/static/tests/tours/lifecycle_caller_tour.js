import { registry } from "@web/core/registry";

// The phone rings: the phone system opens /odoo/caller?number=<caller ID>. The salesperson lands
// on the caller's customer (a contact's number gives its company), with the one line that says
// who this is above the tabs.
registry.category("web_tour.tours").add("customer_lifecycle_caller_tour", {
    steps: () => [
        {
            content: "The customer's form, reached from a contact's number",
            trigger: ".o_breadcrumb .o_last_breadcrumb_item:contains('Budapesti Bisztró')",
        },
        {
            content: "The line that says who this is, above the tabs",
            trigger:
                ".o_form_sheet .o_field_widget:has(> .o_lifecycle_glance) + .o_notebook",
        },
        {
            content: "It names the customer's stage and class",
            trigger:
                ".o_lifecycle_glance .o_lifecycle_glance_stage:contains('Buyer') ~ .o_lifecycle_glance_class:contains('Class A')",
        },
        {
            content: "The address is the customer's in the funnel, the caller ID gone",
            trigger: ".o_breadcrumb .o_last_breadcrumb_item:contains('Budapesti Bisztró')",
            run() {
                const { pathname, search } = window.location;
                if (!/^\/odoo\/lifecycle-funnel\/\d+$/.test(pathname) || search) {
                    throw new Error(`unexpected address ${pathname}${search}`);
                }
            },
        },
    ],
});

// Several customers share the number: a list of them.
registry.category("web_tour.tours").add("customer_lifecycle_caller_list_tour", {
    steps: () => [
        {
            content: "The list names both customers, and only them (in the list's own order)",
            trigger: ".o_list_view .o_data_row:nth-child(2) td[name='complete_name']",
            run() {
                const names = [...document.querySelectorAll(".o_list_view .o_data_row")]
                    .map((row) => row.querySelector("td[name='complete_name']").textContent.trim())
                    .sort();
                if (JSON.stringify(names) !== JSON.stringify(["Bar Centrale", "Bar Centrale Srl"])) {
                    throw new Error(`rows: ${names.join(", ")}`);
                }
            },
        },
        {
            content: "Open the person",
            trigger: ".o_data_row td[name='complete_name']:contains('Bar Centrale'):not(:contains('Srl'))",
            run: "click",
        },
        {
            content: "Its form",
            trigger: ".o_breadcrumb .o_last_breadcrumb_item:contains('Bar Centrale'):not(:contains('Srl'))",
        },
    ],
});

// Nobody has the number: a new contact with the number and its country filled in.
registry.category("web_tour.tours").add("customer_lifecycle_caller_new_tour", {
    steps: () => [
        {
            content: "A new contact with the caller's number",
            trigger: ".o_form_view .o_field_widget[name='phone'] input:value('+48 601 234 567')",
        },
        {
            content: "and the number's country",
            trigger: ".o_form_view .o_field_widget[name='country_id'] input:value('Poland')",
        },
        {
            content: "Name the caller",
            trigger: ".o_form_view .o_field_widget[name='name'] :is(input, textarea)",
            run: "edit Jan Kowalski",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_view .o_form_saved",
        },
    ],
});
