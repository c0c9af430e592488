import { registry } from "@web/core/registry";
import * as Chrome from "@point_of_sale/../tests/pos/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/generic_helpers/dialog_util";
import * as ProductScreen from "@point_of_sale/../tests/pos/tours/utils/product_screen_util";
import { waitForLoading } from "@point_of_sale/../tests/pos/tours/utils/common";

const CUSTOMER = "Lifecycle Tour Customer";

function customerLineShows(stage, valueClass) {
    return [
        ...ProductScreen.clickPartnerButton(),
        {
            content: `the customer's line shows the stage ${stage}`,
            trigger: `.partner-info:contains("${CUSTOMER}") .o_lifecycle_pos_stage:contains("${stage}")`,
        },
        {
            content: `the customer's line shows the value class ${valueClass}`,
            trigger: `.partner-info:contains("${CUSTOMER}") .o_lifecycle_pos_class:contains("${valueClass}")`,
        },
    ];
}

// A sale at the counter to a customer: the customer line shows the stage before (Potential)
// and after the sale (Buyer), sent back by the server with the paid order.
registry.category("web_tour.tours").add("customer_lifecycle_pos_stage_tour", {
    steps: () =>
        [
            waitForLoading(),
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            customerLineShows("Potential", "Class B"),
            ProductScreen.clickCustomer(CUSTOMER),
            ProductScreen.clickDisplayedProduct("Lifecycle Tour Coffee"),
            ProductScreen.clickPayButton(),
            // the only payment method (cash) is chosen already
            ProductScreen.finishOrder(),
            customerLineShows("Buyer", "Class B"),
        ].flat(),
});
