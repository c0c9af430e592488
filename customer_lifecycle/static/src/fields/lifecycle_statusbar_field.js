import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { StatusBarField, statusBarField } from "@web/views/fields/statusbar/statusbar_field";
import { moveToStage } from "../lifecycle_stage_move";

/**
 * The stage statusbar of the partner form, with the funnel's rules: clickable for lifecycle
 * users even on a form they cannot edit, and Lost asks for a reason.
 */
export class LifecycleStatusBarField extends StatusBarField {
    setup() {
        super.setup();
        this.action = useService("action");
        this.orm = useService("orm");
    }

    async selectItem(item) {
        const { record } = this.props;
        if (record.isInEdition && !(await record.save())) {
            return;
        }
        await moveToStage(this, record.resId, item.value, () => record.load());
    }
}

registry.category("fields").add("lifecycle_statusbar", {
    ...statusBarField,
    component: LifecycleStatusBarField,
    extractProps: (fieldInfo, dynamicInfo) => ({
        ...statusBarField.extractProps(fieldInfo, dynamicInfo),
        isDisabled: !fieldInfo.options.clickable,
    }),
});
