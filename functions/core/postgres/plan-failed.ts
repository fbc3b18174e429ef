/**
 * The plan cannot be made: a scope or the source role does not exist, or the provisioning user cannot
 * act for a role whose rights a statement needs. Reported as `status: failed` with this message.
 */
export class PlanFailedError extends Error {
  override name = 'PlanFailedError';
}
