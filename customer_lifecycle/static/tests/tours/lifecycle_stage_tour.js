import { registry } from "@web/core/registry";

// A sales manager opens the stage configuration, sees the seven stages and renames one.
registry.category("web_tour.tours").add("customer_lifecycle_stage_tour", {
    url: "/odoo/action-customer_lifecycle.customer_lifecycle_stage_action",
    steps: () => [
        {
            content: "The seven lifecycle stages are listed",
            trigger: ".o_list_view .o_data_row:nth-child(7) td[name='name']:contains('Lost')",
        },
        {
            content: "Open the Buyer stage for editing",
            trigger: ".o_data_row td[name='name']:contains('Buyer')",
            run: "click",
        },
        {
            content: "Rename it",
            trigger: ".o_selected_row td[name='name'] input",
            run: "edit First purchase",
        },
        {
            content: "Save",
            trigger: ".o_list_button_save",
            run: "click",
        },
        {
            content: "The new name is shown",
            trigger: ".o_data_row td[name='name']:contains('First purchase')",
        },
    ],
});
