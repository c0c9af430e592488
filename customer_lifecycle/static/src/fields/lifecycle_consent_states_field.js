import { Component, onWillStart, onWillUpdateProps, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

/**
 * The customer's current consent per channel, as badges, read when the Lifecycle tab is shown
 * (the standard partner form carries no computed field of the addon). Set on the id field.
 */
export class LifecycleConsentStatesField extends Component {
    static template = "customer_lifecycle.LifecycleConsentStatesField";
    static props = { ...standardFieldProps };

    setup() {
        this.orm = useService("orm");
        this.state = useState({ channels: [] });
        onWillStart(() => this.load(this.props));
        onWillUpdateProps((nextProps) => this.load(nextProps));
    }

    async load(props) {
        const resId = props.record.resId;
        // reloaded after every save, so that a consent just recorded shows
        if (!resId) {
            this.state.channels = [];
            return;
        }
        this.state.channels = await this.orm.call("res.partner", "get_lifecycle_consent_states", [
            [resId],
        ]);
    }

    badgeClass(state) {
        return (
            {
                granted: "text-bg-success",
                pending: "text-bg-warning",
                expired: "text-bg-secondary",
                unknown: "text-bg-light",
            }[state] || "text-bg-danger"
        );
    }
}

registry.category("fields").add("lifecycle_consent_states", {
    component: LifecycleConsentStatesField,
    displayName: "Consent by channel",
    supportedTypes: ["integer"],
});
