import { registry } from "@web/core/registry";

// A customer opens the consent page from its private link, withdraws SMS and grants email.
registry.category("web_tour.tours").add("customer_lifecycle_consent_page_tour", {
    steps: () => [
        {
            content: "The page lists the channels, SMS agreed earlier",
            trigger: ".o_lifecycle_consent_channel[data-channel='SMS'][data-state='granted']",
        },
        {
            content: "Each channel says which address it means, partly hidden",
            trigger:
                ".o_lifecycle_consent_channel[data-channel='Email'] .o_lifecycle_consent_address:contains('m***@example.com')",
        },
        {
            content: "No thank-you before any change",
            trigger: ".o_lifecycle_consent_page:not(:has(.alert-success))",
        },
        {
            content: "No more SMS",
            trigger: ".o_lifecycle_consent_channel[data-channel='SMS'] button[value='withdraw']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Saved, and thanked for it once",
            trigger:
                ".o_lifecycle_consent_page:has(.alert-success) .o_lifecycle_consent_channel[data-channel='SMS'][data-state='withdrawn']",
        },
        {
            content: "Yes to email",
            trigger: ".o_lifecycle_consent_channel[data-channel='Email'] button[value='grant']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Email agreed",
            trigger: ".o_lifecycle_consent_channel[data-channel='Email'][data-state='granted']",
        },
    ],
});

// The customer opens the link of the double opt-in e-mail: nothing happens until they press
// Confirm; then their preferences page says the subscription is confirmed.
registry.category("web_tour.tours").add("customer_lifecycle_consent_confirm_tour", {
    steps: () => [
        {
            content: "The link shows a Confirm button",
            trigger: ".o_lifecycle_consent_confirm button[type='submit']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Confirmed, email agreed",
            trigger:
                ".o_lifecycle_consent_page:contains('confirmed') .o_lifecycle_consent_channel[data-channel='Email'][data-state='granted']",
        },
    ],
});
