import { registry } from "@web/core/registry";

// A salesperson with "Own Documents Only" records the score a customer gave in the shop: the
// Lifecycle tab's Satisfaction group, Record Satisfaction, score 9, In the Shop, a comment; the
// form then shows the answer and the smart button.
registry.category("web_tour.tours").add("customer_lifecycle_satisfaction_record_tour", {
    steps: () => [
        {
            content: "Open the Lifecycle tab",
            trigger: ".o_notebook .nav-link:contains('Lifecycle')",
            run: "click",
        },
        {
            content: "Never answered yet",
            trigger: ".o_inner_group:contains('Satisfaction'):contains('has not said yet')",
        },
        {
            content: "Record Satisfaction",
            trigger: "button:contains('Record Satisfaction')",
            run: "click",
        },
        {
            content: "Score 9",
            trigger: ".modal div[name=score] .o_radio_item:has(label:contains('9')) input",
            run: "click",
        },
        {
            content: "Given in the shop",
            trigger: ".modal div[name=source] .o_radio_item:has(label:contains('In the Shop')) input",
            run: "click",
        },
        {
            content: "What the customer said",
            trigger: ".modal div[name=comment] textarea",
            run: "edit Bella esperienza",
        },
        {
            content: "Record",
            trigger: ".modal button[name=action_record]",
            run: "click",
        },
        {
            content: "The dialog closed and the answer is on the tab",
            trigger:
                "body:not(:has(.modal)) div[name=lifecycle_satisfaction_comment]:contains('Bella esperienza')",
        },
        {
            content: "The category",
            trigger: "div[name=lifecycle_satisfaction_category]:contains('Promoter')",
        },
        {
            content: "The smart button shows the score",
            trigger: ".oe_stat_button:contains('Satisfaction'):contains('9')",
        },
    ],
});
