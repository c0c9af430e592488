import { Component, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { useRecordObserver } from "@web/model/relational_model/utils";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

/**
 * The stage's "what to do now" text, read when the Lifecycle tab is shown: a related field
 * would be computed on every partner form, for every user.
 *
 * The record is observed, not the props: a statusbar move reloads the same record object,
 * which re-renders the form without giving this field new props (onWillUpdateProps never
 * fired, and the text stayed on the old stage).
 */
export class LifecycleStageGuidanceField extends Component {
    static template = "customer_lifecycle.LifecycleStageGuidanceField";
    static props = { ...standardFieldProps };

    setup() {
        this.orm = useService("orm");
        this.state = useState({ guidance: "" });
        useRecordObserver((record, props) => this.load(record.data[props.name]));
    }

    async load(stage) {
        if (stage?.id === this.stageId) {
            return;
        }
        this.stageId = stage?.id;
        const [values] = stage
            ? await this.orm.read("customer.lifecycle.stage", [stage.id], ["guidance"])
            : [];
        if (this.stageId === stage?.id) {
            // the answer for the stage still shown (a quick second move may have overtaken it)
            this.state.guidance = values?.guidance || "";
        }
    }
}

registry.category("fields").add("lifecycle_stage_guidance", {
    component: LifecycleStageGuidanceField,
    displayName: "Stage guidance",
    supportedTypes: ["many2one"],
});
