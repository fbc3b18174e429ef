import type { EventBridgeEvent } from 'aws-lambda';
import { config } from '../adapters/config';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError, TooLargeError, UnprocessableError } from '../core/errors';
import { logger } from '../adapters/logger';
import { JOB_STEPS, type JobStep } from '../core/dbroles/model';
import { composeJobService } from './compose/job-service';

const { jobs, store } = composeJobService();

interface TagChangeDetail {
  service: string;
  'resource-type': string;
  'changed-tag-keys': string[];
  tags: Record<string, string>;
}

const steps = config.trigger.jobSteps.filter((step): step is JobStep => (JOB_STEPS as readonly string[]).includes(step));

/**
 * An RDS cluster or instance got the provisioning tag: start the same job as `POST /api/dbroles/jobs`,
 * for the org of the deployment settings, once per event (EventBridge may deliver an event twice).
 */
export const handler = async (event: EventBridgeEvent<'Tag Change on Resource', TagChangeDetail>): Promise<{ job_id?: string; skipped?: string }> => {
  const arn = event.resources[0];
  if (!arn) return { skipped: 'no resource in the event' };
  if (!(await store.claimEvent(config.trigger.orgId, event.id))) {
    logger.info('tag change already handled', { event_id: event.id });
    return { skipped: 'event already handled' };
  }
  const name = arn.split(':').at(-1) ?? 'db';
  try {
    const started = await jobs.createJob(config.trigger.orgId, { aws: { instance_arn: arn }, connection_prefix_name: `${name}-`, job_steps: steps });
    logger.info('job started by a tag change', { event_id: event.id, job_id: started.job_id, db_arn: arn });
    return started;
  } catch (error) {
    // An error the caller caused (a database the service cannot provision, a cluster of another org):
    // a retry of the event would meet it again.
    const callerCaused = [InvalidInputError, ForbiddenError, NotFoundError, ConflictError, TooLargeError, UnprocessableError].some((kind) => error instanceof kind);
    if (callerCaused && error instanceof Error) {
      logger.warn('tag change ignored', { event_id: event.id, db_arn: arn, reason: error.message });
      return { skipped: error.message };
    }
    throw error;
  }
};
