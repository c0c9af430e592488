/**
 * A stage move from the funnel's drag & drop or the form's statusbar. The server decides:
 * it moves the customer, or, for Lost, answers with the dialog that asks for the reason.
 * Going through a method rather than saving the record lets a salesperson move customers
 * without the right to edit contacts.
 */
export async function moveToStage({ orm, action }, partnerId, stageId, onDone) {
    const result = await orm.call("res.partner", "action_lifecycle_set_stage", [
        [partnerId],
        stageId,
    ]);
    if (result && typeof result === "object") {
        return action.doAction(result, { onClose: onDone });
    }
    return onDone();
}
