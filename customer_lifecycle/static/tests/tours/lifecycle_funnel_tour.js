import { registry } from "@web/core/registry";

const column = (name) => `.o_kanban_group:has(.o_column_title:contains('${name}'))`;
// Below the column header, where a card lands.
const dropInside = { position: { top: 100 }, relative: true };

/** Apply a filter, see only the first buyer left in its column, remove the filter and wait
 * for the columns to reload (a drag started before then would grab a card being replaced). */
const onlyFirstBuyerWith = (filter) => [
    {
        content: "Open the filters",
        trigger: ".o_searchview_dropdown_toggler",
        run: "click",
    },
    {
        content: `Filter: ${filter}`,
        trigger: `.o_filter_menu .dropdown-item:contains('${filter}')`,
        run: "click",
    },
    {
        content: "The first buyer stays, the second goes",
        trigger: `${column("Buyer")}:contains('Tour Buyer One'):not(:contains('Tour Buyer Two'))`,
    },
    {
        content: "Remove the filter",
        trigger: `.o_searchview_facet:contains('${filter.split(" ")[0]}') .o_facet_remove`,
        run: "click",
    },
    {
        content: "Both buyers are shown again",
        trigger: `${column("Buyer")}:contains('Tour Buyer One'):contains('Tour Buyer Two')`,
    },
];

// A salesperson works the funnel: all seven columns, two filters, a card dragged from
// Buyer to Repeat Customer (its form shows the history row), another dragged to Lost with a reason.
registry.category("web_tour.tours").add("customer_lifecycle_funnel_tour", {
    url: "/odoo/lifecycle-funnel",
    steps: () => [
        {
            content: "Seven columns, Lost folded at the end",
            trigger: ".o_lifecycle_funnel .o_kanban_group:eq(6).o_column_folded:contains('Lost')",
        },
        {
            content: "Each open column counts its customers",
            trigger: ".o_kanban_group:not(.o_column_folded) .o_lifecycle_funnel_count:eq(5)",
        },
        {
            content: "Two buyers",
            trigger: `${column("Buyer")} .o_lifecycle_funnel_count:contains('(2)')`,
        },
        ...onlyFirstBuyerWith("Overdue for Repurchase"),
        // One card has a won-back history row dated today; the quarter start is computed in
        // the browser.
        ...onlyFirstBuyerWith("Won Back This Quarter"),
        {
            content: "A column's own menu, shown on hover",
            trigger: `${column("Buyer")} .o_kanban_header_title`,
            run: `hover && click ${column("Buyer")} .o_group_config button`,
        },
        {
            content: "Sort the column by probability still active",
            trigger: ".o_lifecycle_sort_probability",
            run: "click",
        },
        {
            content: "The column keeps its customers",
            trigger: `${column("Buyer")}:contains('Tour Buyer One'):contains('Tour Buyer Two')`,
        },
        {
            content: "Drag the first buyer to Repeat Customer",
            trigger: `${column("Buyer")} .o_kanban_record:contains('Tour Buyer One')`,
            run: ({ drag_and_drop }) => drag_and_drop(column("Repeat Customer"), dropInside),
        },
        {
            content: "The card is in the Repeat Customer column",
            trigger: `${column("Repeat Customer")} .o_kanban_record:contains('Tour Buyer One')`,
            run: "click",
        },
        {
            content: "Open the Lifecycle tab of its form",
            trigger: ".o_notebook .nav-link:contains('Lifecycle')",
            run: "click",
        },
        {
            content: "What to do now, for its new stage",
            trigger: ".o_lifecycle_guidance:contains('keep the rhythm')",
        },
        {
            content: "The move is in its history, by hand",
            trigger:
                ".o_field_widget[name=lifecycle_history_ids] .o_data_row:contains('Buyer'):contains('Manual Move')",
        },
        {
            content: "Back to the funnel",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains('Lifecycle Funnel')",
            run: "click",
        },
        {
            content: "Drag the second buyer to Lost",
            trigger: `${column("Buyer")} .o_kanban_record:contains('Tour Buyer Two')`,
            run: ({ drag_and_drop }) => drag_and_drop(column("Lost"), dropInside),
        },
        {
            content: "The dialog asks why",
            trigger: ".modal .o_field_widget[name=lost_reason_id] input",
            run: "edit competitor",
        },
        {
            content: "Pick the reason",
            trigger: ".o-autocomplete--dropdown-item:contains('Went to a competitor')",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal button[name=action_mark_lost]",
            run: "click",
        },
        {
            content: "The card left the Buyer column",
            trigger: `${column("Buyer")}:not(:contains('Tour Buyer Two'))`,
        },
        {
            content: "Lost counts it",
            trigger: `${column("Lost")}:contains('(1)')`,
        },
    ],
});

// -- H2 (issue 15, "The next step on every card"): a rep reads each card without opening it ----

registry.category("web_tour.tours").add("customer_lifecycle_funnel_cards_tour", {
    url: "/odoo/lifecycle-funnel",
    steps: () => [
        {
            content: "The next activity, in words",
            trigger: `${column("Buyer")} .o_kanban_record:contains('Card Step') .o_lifecycle_next_step:contains('Present the spring catalogue')`,
        },
        {
            content: "A customer with nothing planned says so",
            trigger: `${column("Potential")} .o_kanban_record:contains('Card Quiet') .o_lifecycle_no_next_step:contains('No next step')`,
        },
        {
            content: "The last contact is on the card",
            trigger: `.o_kanban_record:contains('Card Step') .o_lifecycle_last_contact`,
        },
        {
            content: "One-click call and e-mail",
            trigger: `.o_kanban_record:contains('Card Step') a.o_lifecycle_call[href='tel:+39 051 555 0101'][title='Call']`,
        },
        {
            content: "... muted where the customer withdrew the phone consent",
            trigger: `.o_kanban_record:contains('Card Due') a.o_lifecycle_call.o_lifecycle_withdrawn`,
        },
        {
            content: "Overdue by how many days",
            trigger: `.o_kanban_record:contains('Card Overdue') .o_lifecycle_overdue:contains('Overdue by 5 days')`,
        },
        {
            content: "Past the expected date: coloured as due",
            trigger: `.o_kanban_record:contains('Card Due') .o_lifecycle_due.text-warning`,
        },
        {
            content: "Three buyers",
            trigger: `${column("Buyer")} .o_lifecycle_funnel_count:contains('(3)')`,
        },
        {
            content: "Show only the overdue buyers",
            trigger: `${column("Buyer")} .o_column_progress .progress-bar.bg-danger`,
            run: "click",
        },
        {
            content: "The column counts what it shows",
            trigger: `${column("Buyer")} .o_lifecycle_funnel_count:contains('(1)')`,
        },
        {
            content: "Only the overdue one is shown",
            trigger: `${column("Buyer")}:contains('Card Overdue'):not(:contains('Card Due'))`,
        },
        {
            content: "Unfold Lost",
            trigger: `${column("Lost")}.o_column_folded`,
            run: "click",
        },
        {
            content: "A lost card: the last segment muted, no badge as if active, no probability bar",
            trigger: `${column("Lost")} .o_kanban_record:contains('Card Lost'):has(.o_lifecycle_last_segment:contains('Loyal')):not(:has(.o_field_badge)):not(:has(.o_lifecycle_probability))`,
        },
        {
            content: "Its lost reason",
            trigger: `${column("Lost")} .o_kanban_record:contains('Card Lost'):contains('Went to a competitor')`,
        },
    ],
});
