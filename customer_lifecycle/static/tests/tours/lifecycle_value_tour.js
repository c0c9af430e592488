import { registry } from "@web/core/registry";

// An accountant opens Customer Value: the concentration summary sits above the pivot and
// follows the search.
registry.category("web_tour.tours").add("customer_lifecycle_value_tour", {
    url: "/odoo/customer-value",
    steps: () => [
        {
            content: "The pivot shows revenue by class and stage",
            trigger: ".o_pivot table .o_pivot_header_cell_closed, .o_pivot table th",
        },
        {
            content: "The summary names the largest customer and its share",
            trigger:
                ".o_lifecycle_concentration:contains('Tour Largest') .o_lifecycle_largest:contains('50.0')",
        },
        {
            content: "Narrow the search to class C customers",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Class C",
            trigger: ".o_filter_menu .dropdown-item:contains('Class C')",
            run: "click",
        },
        {
            content: "The summary now covers the class C customers only",
            trigger: ".o_lifecycle_concentration:not(:contains('Tour Largest'))",
        },
    ],
});
