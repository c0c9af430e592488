import { Component, toRaw, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { deserializeDate } from "@web/core/l10n/dates";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { useRecordObserver } from "@web/model/relational_model/utils";
import { formatMonetary } from "@web/views/fields/formatters";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

/**
 * The customer at a glance: one line at the top of the partner form with what a rep needs
 * before answering the phone. Read from res.partner.get_lifecycle_glance when the form shows
 * it (the standard partner form carries no computed field of the addon), again after the
 * partner is saved or reloaded. Set on the id field.
 */
export class LifecycleGlanceField extends Component {
    static template = "customer_lifecycle.LifecycleGlanceField";
    static props = { ...standardFieldProps };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ glance: null });
        useRecordObserver((record) => this.load(record));
    }

    /**
     * Read the line again each time the form holds a new version of the partner: opened,
     * saved, or reloaded after a button or a dialog (the record's data is then a new object),
     * never while the user types (the data is changed in place) nor for a record being edited.
     */
    async load(record) {
        const data = toRaw(record.data);
        if (data === this.data || record.dirty) {
            return;
        }
        this.data = data;
        const resId = record.resId;
        const glance = resId
            ? await this.orm.call("res.partner", "get_lifecycle_glance", [[resId]])
            : null;
        if (data === this.data) {
            // the answer for the version still shown, not for one left meanwhile
            this.state.glance = glance;
        }
    }

    async open(method) {
        const action = await this.orm.call("res.partner", method, [[this.props.record.resId]]);
        await this.action.doAction(action);
    }

    money(amount, currencyId) {
        return formatMonetary(amount, { currencyId });
    }

    /** "12 Nov" in the user's language; the year too when it is not this one. */
    day(value) {
        const date = deserializeDate(value);
        const format = { day: "numeric", month: "short" };
        if (date.year !== luxon.DateTime.now().year) {
            format.year = "numeric";
        }
        return date.toLocaleString(format);
    }

    moreProducts(count) {
        return _t("%(count)s more", { count });
    }

    quotationsLabel(count) {
        // no plural in the sentence: Polish has three forms of "quotations"
        return _t("Quotations: %(count)s", { count });
    }

    specialDateWhen(days) {
        if (days === 0) {
            return _t("today");
        }
        return days === 1 ? _t("tomorrow") : _t("in %(days)s days", { days });
    }

    consentClass(state) {
        // the colours of the funnel card's consent icons
        return (
            {
                granted: "text-success",
                pending: "text-warning",
                expired: "text-muted opacity-50",
                unknown: "text-muted opacity-25",
            }[state] || "text-danger"
        );
    }

    satisfactionClass(category) {
        return (
            { promoter: "text-bg-success", passive: "text-bg-warning" }[category] ||
            "text-bg-danger"
        );
    }
}

registry.category("fields").add("lifecycle_glance", {
    component: LifecycleGlanceField,
    displayName: "Customer at a glance",
    supportedTypes: ["integer"],
});
