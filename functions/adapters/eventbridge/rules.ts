/**
 * The EventBridge rules of the service, as patterns: the CDK stack deploys them and the local event
 * bus matches events against the very same objects.
 */
export type EventPattern = { [field: string]: EventPattern | readonly unknown[] };

/** RDS clusters and instances that get the provisioning tag (tag key and value are deployment settings). */
export function tagChangePattern(tagKey: string, tagValue: string): EventPattern {
  return {
    source: ['aws.tag'],
    'detail-type': ['Tag Change on Resource'],
    detail: {
      service: ['rds'],
      'resource-type': ['cluster', 'db'],
      'changed-tag-keys': [tagKey],
      tags: { [tagKey]: [tagValue] },
    },
  };
}

/** Executions of the DB role job workflow that ended without finishing their job. */
export function executionEndedPattern(stateMachineArn: string): EventPattern {
  return {
    source: ['aws.states'],
    'detail-type': ['Step Functions Execution Status Change'],
    detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [stateMachineArn] },
  };
}
