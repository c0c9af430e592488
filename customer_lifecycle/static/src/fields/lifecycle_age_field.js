import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

const { DateTime } = luxon;

/**
 * The age from a birthdate, worked out in the browser: a computed age field would be read on
 * every partner form. Set, read-only, on the birthdate field beside the editable one.
 */
export class LifecycleAgeField extends Component {
    static template = "customer_lifecycle.LifecycleAgeField";
    static props = { ...standardFieldProps };

    get age() {
        const born = this.props.record.data[this.props.name];
        if (!born) {
            return "";
        }
        const years = Math.floor(DateTime.now().diff(born, "years").years);
        return _t("%s years old", years);
    }
}

registry.category("fields").add("lifecycle_age", {
    component: LifecycleAgeField,
    displayName: "Age",
    supportedTypes: ["date"],
});
