import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { KanbanHeader } from "@web/views/kanban/kanban_header";
import { KanbanRenderer } from "@web/views/kanban/kanban_renderer";
import { kanbanView } from "@web/views/kanban/kanban_view";
import { moveToStage } from "../lifecycle_stage_move";

export class LifecycleFunnelHeader extends KanbanHeader {
    static template = "customer_lifecycle.FunnelKanbanHeader";

    /** The column's count follows the health bar: with a colour selected, the customers of
     * that colour in the column (what the column then shows), else all of them. */
    get columnCount() {
        const filtered = this.props.progressBarState?.getGroupCount(this.group);
        return filtered ?? this.group.count;
    }

    /** A column's own order: its customers by probability still active, least likely first
     * (again: most likely first, a third time: the funnel's order). For the Lost and At Risk
     * customers a rep calls first those who may still come back. */
    get configMenuProps() {
        const props = super.configMenuProps;
        const byStage = this.props.list.groupBy[0]?.split(":")[0] === "lifecycle_stage_id";
        props.configItems = [
            ...props.configItems,
            [
                "lifecycle_sort_probability",
                {
                    label: _t("Sort by Probability Still Active"),
                    method: () => this.group.list.sortBy("lifecycle_probability_active"),
                    isVisible: byStage && !this.props.list.model.useSampleModel,
                    class: "o_lifecycle_sort_probability",
                    icon: "fa-sort-amount-asc",
                },
            ],
        ];
        return props;
    }
}

export class LifecycleFunnelRenderer extends KanbanRenderer {
    static components = { ...KanbanRenderer.components, KanbanHeader: LifecycleFunnelHeader };

    setup() {
        super.setup();
        this.action = useService("action");
        this.orm = useService("orm");
    }

    /** Dropped on another stage column: the stage changes on the server, then the funnel
     * reloads (counts, revenue, health bars). Within a column the order is the funnel's own.
     * Grouped by anything else (salesperson, country...), Odoo's own move applies. */
    async sortRecordDrop(dataRecordId, dataGroupId, params) {
        const list = this.props.list;
        if (!list.isGrouped || list.groupBy[0].split(":")[0] !== "lifecycle_stage_id") {
            return super.sortRecordDrop(dataRecordId, dataGroupId, params);
        }
        const { parent } = params;
        parent?.classList.remove("o_kanban_hover");
        const target = list.groups.find((group) => group.id === parent?.dataset.id);
        if (!target || target.id === dataGroupId) {
            return;
        }
        const source = list.groups.find((group) => group.id === dataGroupId);
        const record = source?.list.records.find((rec) => rec.id === dataRecordId);
        if (!record) {
            return;
        }
        this.toggleProcessing(dataRecordId, true);
        try {
            await moveToStage(this, record.resId, target.value, () => list.model.load());
        } finally {
            this.toggleProcessing(dataRecordId, false);
        }
    }
}

registry.category("views").add("lifecycle_funnel_kanban", {
    ...kanbanView,
    Renderer: LifecycleFunnelRenderer,
});
