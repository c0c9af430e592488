import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { deserializeDate, formatDate } from "@web/core/l10n/dates";
import { PartnerLine } from "@point_of_sale/app/screens/partner_list/partner_line/partner_line";

// The customer's lifecycle next to the customer in the POS: stage, value class and next
// special date, as the server sent them for the cashier (empty when not theirs to see).
patch(PartnerLine.prototype, {
    get lifecycleValueClass() {
        const valueClass = this.props.partner.lifecycle_pos_value_class;
        return valueClass ? _t("Class %(value_class)s", { value_class: valueClass }) : "";
    },
    get lifecycleSpecialDate() {
        const partner = this.props.partner;
        let day = partner.lifecycle_pos_special_date;
        if (!day) {
            return "";
        }
        if (typeof day === "string") {
            day = deserializeDate(day);
        }
        return _t("%(occasion)s: %(date)s", {
            occasion: partner.lifecycle_pos_special_name || _t("Special date"),
            date: formatDate(day),
        });
    },
});
