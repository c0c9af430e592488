import { Component, onWillStart, onWillUpdateProps, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardFieldProps } from "@web/views/fields/standard_field_props";

/**
 * The stage's "what to do now" text, read when the Lifecycle tab is shown: a related field
 * would be computed on every partner form, for every user.
 */
export class LifecycleStageGuidanceField extends Component {
    static template = "customer_lifecycle.LifecycleStageGuidanceField";
    static props = { ...standardFieldProps };

    setup() {
        this.orm = useService("orm");
        this.state = useState({ guidance: "" });
        onWillStart(() => this.load(this.props));
        onWillUpdateProps((nextProps) => this.load(nextProps));
    }

    async load(props) {
        const stage = props.record.data[props.name];
        if (stage?.id === this.stageId) {
            return;
        }
        this.stageId = stage?.id;
        const [values] = stage
            ? await this.orm.read("customer.lifecycle.stage", [stage.id], ["guidance"])
            : [];
        this.state.guidance = values?.guidance || "";
    }
}

registry.category("fields").add("lifecycle_stage_guidance", {
    component: LifecycleStageGuidanceField,
    displayName: "Stage guidance",
    supportedTypes: ["many2one"],
});
