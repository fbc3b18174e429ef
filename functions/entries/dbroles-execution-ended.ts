import type { Handler } from 'aws-lambda';
import { config } from '../adapters/config';
import { logger } from '../adapters/logger';
import { dynamodbDocumentClient } from '../adapters/dynamodb/client';
import { DynamoDbJobStore } from '../adapters/dynamodb/job-store';
import type { WorkflowInput } from '../adapters/step-functions/job-workflow';
import { executionEndedTask } from '../core/dbroles/execution-ended';

/**
 * The target of the rule on "Step Functions Execution Status Change" for TIMED_OUT, FAILED or ABORTED
 * executions of the DB role workflow. A function of its own, apart from the Tasks: it is started by
 * EventBridge, not by the workflow, and needs the job store only, so its bundle holds no Data API,
 * EventBridge or PostgreSQL code.
 */
const endJob = executionEndedTask({ store: new DynamoDbJobStore(dynamodbDocumentClient(), config.tableName) });

/** Named for what it handles, as the Tasks are: the function's handler is `index.executionEnded`. */
export const executionEnded: Handler<{ detail: { status: string; input: string } }> = async (event) => {
  const input = JSON.parse(event.detail.input) as WorkflowInput;
  logger.warn('workflow ended without finishing its job', { job_id: input.job.job_id, status: event.detail.status });
  await endJob({ status: event.detail.status, job: input.job });
};
