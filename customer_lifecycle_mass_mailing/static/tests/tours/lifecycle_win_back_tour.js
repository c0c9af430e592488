import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_utils";

// A marketing user sends a win-back e-mail to the funnel's lost customers, with a 10 % control
// group: the list of the Lost stage, all selected, the funnel's action, the mailing's consent
// line, a theme, the control group, sent.
registry.category("web_tour.tours").add("customer_lifecycle_win_back_tour", {
    url: "/odoo/lifecycle-funnel",
    steps: () => [
        {
            content: "The funnel is open",
            trigger: ".o_lifecycle_funnel .o_kanban_group",
        },
        {
            content: "Switch to the list",
            trigger: ".o_switch_view.o_list",
            run: "click",
        },
        {
            content: "Search the Lost stage",
            trigger: ".o_searchview_input",
            run: "edit Lost",
        },
        {
            content: "Search Stage for: Lost",
            trigger: ".o_searchview_autocomplete .o-dropdown-item:contains('Stage')",
            run: "click",
        },
        {
            content: "Only the lost customers are listed",
            trigger: ".o_list_view .o_data_row:contains('Win Back 19'):not(:contains('Still Buying'))",
        },
        {
            content: "Select them all",
            trigger: "thead .o_list_record_selector input",
            run: "click",
        },
        {
            content: "Open the actions",
            trigger: ".o_cp_action_menus .dropdown-toggle",
            run: "click",
        },
        {
            content: "Send E-mail Mailing",
            trigger: ".o-dropdown-item:contains('Send E-mail Mailing')",
            run: "click",
        },
        {
            content: "The mailing says who is left out, and why",
            trigger:
                ".o_field_widget[name=lifecycle_audience_summary]:contains('18 of 20 selected customers receive it; 2 left out: 2 withdrew their consent')",
        },
        {
            content: "Pick the basic theme",
            trigger: ".o_mailing_template_preview_wrapper [data-name='basic']",
            run: "click",
        },
        {
            trigger: "html:not(:has(.o_mailing_template_preview_wrapper))",
        },
        {
            content: "Write the subject",
            trigger: ".o_field_widget[name=subject] input",
            run: "edit We miss you",
        },
        {
            content: "Open the control group",
            trigger: ".o_notebook a.nav-link:contains('Control Group and Result')",
            run: "click",
        },
        {
            content: "Hold out 10 %",
            trigger: ".o_field_widget[name=lifecycle_holdout_percent] input",
            run: "edit 10",
        },
        ...stepUtils.saveForm(),
        {
            content: "Send it",
            trigger: ".o_form_statusbar button[name=action_launch]",
            run: "click",
        },
        {
            content: "Send to all",
            trigger: ".modal-footer button:contains('Send to all')",
            run: "click",
        },
        {
            content: "It is queued",
            trigger: ".o_form_statusbar button[name=action_cancel]",
        },
    ],
});
