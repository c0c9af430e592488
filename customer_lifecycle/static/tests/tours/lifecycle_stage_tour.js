import { registry } from "@web/core/registry";

// A sales manager opens the stage configuration, sees the seven stages, opens one in its form
// (the playbook is there) and renames it.
registry.category("web_tour.tours").add("customer_lifecycle_stage_tour", {
    url: "/odoo/action-customer_lifecycle.customer_lifecycle_stage_action",
    steps: () => [
        {
            content: "The seven lifecycle stages are listed",
            trigger: ".o_list_view .o_data_row:nth-child(7) td[name='name']:contains('Lost')",
        },
        {
            content: "Open the Buyer stage",
            trigger: ".o_data_row td[name='name']:contains('Buyer')",
            run: "click",
        },
        {
            content: "Its form shows the playbook",
            trigger: ".o_form_view div[name='activity_type_id'] input:value('Second Purchase Call')",
        },
        {
            content: "Rename it",
            trigger: ".o_form_view div[name='name'] input",
            run: "edit First purchase",
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
        {
            content: "Back to the list",
            trigger: ".o_breadcrumb .o_back_button, .o_breadcrumb a:contains('Lifecycle Stages')",
            run: "click",
        },
        {
            content: "The new name is shown",
            trigger: ".o_data_row td[name='name']:contains('First purchase')",
        },
    ],
});

// A salesperson with "Own Documents Only" moves a customer by the form's statusbar: the
// Lifecycle tab's guidance follows to the new stage (it stayed on the old one).
registry.category("web_tour.tours").add("customer_lifecycle_statusbar_guidance_tour", {
    steps: () => [
        {
            content: "Open the Lifecycle tab",
            trigger: ".o_notebook .nav-link:contains('Lifecycle')",
            run: "click",
        },
        {
            content: "The guidance is the Buyer stage's",
            trigger: ".o_lifecycle_guidance:contains('Bought once')",
        },
        {
            content: "Move the customer to Repeat Customer by the statusbar",
            trigger: ".o_field_lifecycle_statusbar button:contains('Repeat Customer')",
            run: "click",
        },
        {
            content: "The statusbar shows the new stage",
            trigger:
                ".o_field_lifecycle_statusbar button.o_arrow_button_current:contains('Repeat Customer')",
        },
        {
            content: "The guidance is now the Repeat Customer stage's",
            trigger: ".o_lifecycle_guidance:contains('Buys again'):not(:contains('Bought once'))",
        },
    ],
});
