import { registry } from "@web/core/registry";

// A salesperson reads the last satisfaction answers on the funnel's cards, keeps only the
// detractors not yet called back, then reads the Net Promoter Score.
registry.category("web_tour.tours").add("customer_lifecycle_satisfaction_tour", {
    url: "/odoo/lifecycle-funnel",
    steps: () => [
        {
            content: "The detractor's card: a frowning face, its score, the answer in the title",
            trigger: `.o_kanban_record:contains('Tour Detractor') .o_lifecycle_satisfaction.text-bg-danger[data-category='detractor'][title='Last satisfaction answer: 4/10, detractor, 12 Nov 2026']:has(.fa-frown-o):contains('4')`,
        },
        {
            content: "A promoter's card: a smile and 10",
            trigger: `.o_kanban_record:contains('Tour Promoter 1') .o_lifecycle_satisfaction.text-bg-success:has(.fa-smile-o):contains('10')`,
        },
        {
            content: "A customer who never answered shows no face",
            trigger: `.o_kanban_record:contains('Tour Silent'):not(:has(.o_lifecycle_satisfaction))`,
        },
        {
            content: "Open the filters",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Filter: Detractors Not Yet Called Back",
            trigger: ".o_filter_menu .dropdown-item:contains('Detractors Not Yet Called Back')",
            run: "click",
        },
        {
            content: "Only the detractor is left",
            trigger: `.o_lifecycle_funnel:contains('Tour Detractor'):not(:contains('Tour Promoter')):not(:contains('Tour Silent'))`,
        },
        {
            content: "Open the Net Promoter Score",
            trigger: ".o_main_navbar",
            run: "goToUrl /odoo/net-promoter-score",
            expectUnloadPage: true,
        },
        {
            content: "Three promoters and a detractor: NPS 50 (a whole number, as NPS is told)",
            trigger: ".o_pivot tbody tr:eq(0) .o_pivot_cell_value:eq(0):contains('50')",
        },
        {
            content: "4 answers",
            trigger: ".o_pivot tbody tr:eq(0) .o_pivot_cell_value:eq(1):contains('4')",
        },
        {
            content: "The response rate: 4 answers of 5 requests",
            trigger: ".o_pivot tbody tr:eq(0) .o_pivot_cell_value:eq(2):contains('80.00%')",
        },
    ],
});
