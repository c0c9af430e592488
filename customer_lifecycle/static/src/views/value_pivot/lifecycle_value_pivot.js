import { onWillStart, onWillUpdateProps, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { formatFloat, formatMonetary } from "@web/views/fields/formatters";
import { PivotRenderer } from "@web/views/pivot/pivot_renderer";
import { pivotView } from "@web/views/pivot/pivot_view";

/** The Customer Value pivot, with the revenue concentration of the customers it shows above
 * the table: how much the business depends on few customers. Follows the search. */
export class LifecycleValuePivotRenderer extends PivotRenderer {
    static template = "customer_lifecycle.ValuePivotRenderer";

    setup() {
        super.setup();
        this.orm = useService("orm");
        this.concentration = useState({ summary: null });
        this.summaryDomain = null;
        onWillStart(() => this.loadConcentration());
        onWillUpdateProps(() => this.loadConcentration());
    }

    async loadConcentration() {
        if (this.model.useSampleModel) {
            this.concentration.summary = null;
            return;
        }
        const domain = this.model.searchParams?.domain || [];
        const key = JSON.stringify(domain);
        if (key === this.summaryDomain) {
            return;
        }
        this.summaryDomain = key;
        this.concentration.summary = await this.orm.call(
            "customer.lifecycle.value.report",
            "get_concentration",
            [domain]
        );
    }

    percent(share) {
        return `${formatFloat(share, { digits: [16, 1] })} %`;
    }

    get revenue() {
        const { revenue, currency_id } = this.concentration.summary;
        return formatMonetary(revenue, { currencyId: currency_id });
    }
}

registry.category("views").add("lifecycle_value_pivot", {
    ...pivotView,
    Renderer: LifecycleValuePivotRenderer,
});
