import { registry } from "@web/core/registry";

// A salesperson with "Own Documents Only" (no right to edit contacts) keeps a customer's profile:
// the form is read-only to them, the Update Profile dialog is not.
registry.category("web_tour.tours").add("customer_lifecycle_profile_tour", {
    steps: () => [
        {
            content: "The contact form is read-only to the rep: the name cannot be edited",
            trigger: ".o_form_view .o_field_widget[name='name'] span:contains('Trattoria Tour')",
        },
        {
            content: "Open the Profile tab",
            trigger: ".o_notebook a[name='customer_lifecycle_profile']",
            run: "click",
        },
        {
            content: "Open the Update Profile dialog",
            trigger: "button[name='action_lifecycle_update_profile']",
            run: "click",
        },
        {
            content: "Open the turnover choices",
            trigger: ".modal div[name='lifecycle_turnover_band'] .o_select_menu_toggler",
            run: "click",
        },
        {
            content: "Give the turnover",
            trigger: ".o_select_menu_menu .o_select_menu_item:contains('2 to 10 Million')",
            run: "click",
        },
        {
            content: "Write what the customer expects",
            trigger: ".modal div[name='lifecycle_expectations'] textarea",
            run: "edit Fresh produce every Friday",
        },
        {
            content: "Add a special date",
            trigger: ".modal div[name='special_date_ids'] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Open its kinds",
            trigger: ".modal .o_selected_row td[name='kind'] .o_select_menu_toggler",
            run: "click",
        },
        {
            content: "Its kind",
            trigger: ".o_select_menu_menu .o_select_menu_item:contains('Company Anniversary')",
            run: "click",
        },
        {
            content: "Its date",
            trigger: ".modal div[name='special_date_ids'] .o_selected_row td[name='date'] input",
            run: "edit 05/14/2015",
        },
        {
            content: "Save",
            trigger: ".modal button[name='action_save']",
            run: "click",
        },
        {
            content: "The profile shows what the rep wrote",
            trigger:
                ".o_form_view:not(:has(.modal)) div[name='lifecycle_expectations']:contains('Fresh produce every Friday')",
        },
        {
            content: "and the special date",
            trigger: ".o_form_view div[name='lifecycle_special_date_ids'] td:contains('Company Anniversary')",
        },
    ],
});
