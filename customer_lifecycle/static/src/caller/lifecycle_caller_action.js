import { browser } from "@web/core/browser/browser";
import { registry } from "@web/core/registry";

/**
 * The `number` of a raw query string, a leading "+" kept. The router casts a query value that
 * looks numeric to a number ("+390212345678" becomes 390212345678, "0039..." loses its zeros),
 * and form decoding reads "+" as a space: the caller ID is read from the address as the phone
 * system wrote it. Elsewhere in the value a "+" is a space (an encoder writing spaces as "+"
 * writes a real "+" as %2B). Same reading as the JSON endpoint (controllers/caller.py).
 */
export function callerNumberFromQuery(search) {
    for (const pair of search.replace(/^\?/, "").split("&")) {
        const [key, ...rest] = pair.split("=");
        if (key !== "number") {
            continue;
        }
        const value = rest.join("=");
        const prefix = value.startsWith("+") ? "+" : "";
        const encoded = value.slice(prefix.length).replace(/\+/g, " ");
        try {
            return prefix + decodeURIComponent(encoded);
        } catch {
            return prefix + encoded; // a stray "%": keep the text as it came
        }
    }
    return undefined;
}

/**
 * /odoo/caller?number=...: what a phone system opens on an incoming call. The server finds
 * the customer (res.partner.action_lifecycle_caller) and answers the action to show: their
 * form, a list when several share the number, or a new contact with the number filled in.
 */
async function lifecycleCaller(env, action) {
    const fromAddress = browser.location.pathname.endsWith("/caller")
        ? callerNumberFromQuery(browser.location.search)
        : undefined;
    const number = fromAddress ?? action.params?.number ?? "";
    return env.services.orm.call("res.partner", "action_lifecycle_caller", [String(number)]);
}
lifecycleCaller.path = "caller";

registry.category("actions").add("customer_lifecycle.caller", lifecycleCaller);
