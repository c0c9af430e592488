import { Component, onWillStart, onWillUpdateProps, useState } from "@odoo/owl";
import { deserializeDate } from "@web/core/l10n/dates";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { formatDate, formatFloat, formatMonetary } from "@web/views/fields/formatters";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

/**
 * The Invoicing tab's "Customer Value" block: what the customer is worth to the current
 * company and how it pays it, read when the tab is shown (the standard partner form carries
 * no computed field of the addon). Set on commercial_partner_id.
 */
export class LifecycleCompanyValueField extends Component {
    static template = "customer_lifecycle.LifecycleCompanyValueField";
    static props = { ...standardFieldProps };

    setup() {
        this.orm = useService("orm");
        this.state = useState({ value: null });
        onWillStart(() => this.load(this.props));
        onWillUpdateProps((nextProps) => this.load(nextProps));
    }

    async load(props) {
        const resId = props.record.resId;
        if (!resId || resId === this.resId) {
            return;
        }
        this.resId = resId;
        this.state.value = await this.orm.call("res.partner", "get_lifecycle_company_value", [
            [resId],
        ]);
    }

    money(amount) {
        return formatMonetary(amount, { currencyId: this.state.value.currency_id });
    }

    number(value) {
        return formatFloat(value, { digits: [16, 1] });
    }

    /** A date as the form's date fields show it in the user's language ("Feb 15, 2026"). */
    date(value) {
        return value ? formatDate(deserializeDate(value)) : "";
    }
}

registry.category("fields").add("lifecycle_company_value", {
    component: LifecycleCompanyValueField,
    displayName: "Customer value for the current company",
    supportedTypes: ["many2one"],
});
