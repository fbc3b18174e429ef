import { readFileSync } from 'node:fs';
import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { executionEndedPattern, tagChangePattern } from '../../../../functions/adapters/eventbridge/rules';
import { DBROLES_STATE_MACHINE } from '../../../../infra/handlers';
import { matchesPattern } from '../../../../infra/local/eventbridge';

const tagEvent = (tags: Record<string, string>, changed: string[], resourceType = 'cluster') => ({
  source: 'aws.tag',
  'detail-type': 'Tag Change on Resource',
  resources: ['arn:aws:rds:us-east-1:123456789012:cluster:orders'],
  detail: { service: 'rds', 'resource-type': resourceType, 'changed-tag-keys': changed, tags },
});

describe('the tag change rule', () => {
  const pattern = tagChangePattern('hoop.dev/provision-roles', 'true');

  it('matches a cluster or an instance that gets the tag with its value', () => {
    expect(matchesPattern(pattern, tagEvent({ 'hoop.dev/provision-roles': 'true', env: 'prod' }, ['hoop.dev/provision-roles']))).toBe(true);
    expect(matchesPattern(pattern, tagEvent({ 'hoop.dev/provision-roles': 'true' }, ['env', 'hoop.dev/provision-roles'], 'db'))).toBe(true);
  });

  it('ignores another value, another changed tag, another service or resource type', () => {
    expect(matchesPattern(pattern, tagEvent({ 'hoop.dev/provision-roles': 'false' }, ['hoop.dev/provision-roles']))).toBe(false);
    expect(matchesPattern(pattern, tagEvent({ 'hoop.dev/provision-roles': 'true' }, ['env']))).toBe(false);
    expect(matchesPattern(pattern, tagEvent({ 'hoop.dev/provision-roles': 'true' }, ['hoop.dev/provision-roles'], 'snapshot'))).toBe(false);
    expect(matchesPattern(pattern, { ...tagEvent({ 'hoop.dev/provision-roles': 'true' }, ['hoop.dev/provision-roles']), source: 'aws.ec2' })).toBe(false);
  });
});

describe('matchesPattern', () => {
  it('supports prefix, anything-but and exists', () => {
    expect(matchesPattern({ a: [{ prefix: 'arn:' }] }, { a: 'arn:x' })).toBe(true);
    expect(matchesPattern({ a: [{ 'anything-but': ['x', 'y'] }] }, { a: 'z' })).toBe(true);
    expect(matchesPattern({ a: [{ 'anything-but': ['x', 'y'] }] }, { a: 'x' })).toBe(false);
    expect(matchesPattern({ a: [{ exists: false }] }, {})).toBe(true);
    expect(matchesPattern({ a: [{ exists: true }] }, {})).toBe(false);
  });

  it('matches the execution-ended rule only for endings that leave a job running', () => {
    const pattern = executionEndedPattern('arn:sm');
    const event = (status: string) => ({ source: 'aws.states', 'detail-type': 'Step Functions Execution Status Change', detail: { status, stateMachineArn: 'arn:sm' } });
    expect(matchesPattern(pattern, event('TIMED_OUT'))).toBe(true);
    expect(matchesPattern(pattern, event('SUCCEEDED'))).toBe(false);
  });
});

describe('the DB role workflow definition', () => {
  it('is valid ASL (JSONPath): it fans out over the databases and the three roles at bounded concurrency, every Task retried and every failure caught', () => {
    const definition = JSON.parse(readFileSync(DBROLES_STATE_MACHINE, 'utf8'));
    const { isValid, errors } = aslValidator(definition);
    expect(errors).toEqual([]);
    expect(isValid).toBe(true);
    expect(definition.QueryLanguage).toBeUndefined();
    expect(definition.TimeoutSeconds).toBeGreaterThan(0);
    const caught = { Catch: [{ ErrorEquals: ['States.ALL'], Next: 'FinishJob' }] };
    expect(definition.States.ListTargets).toMatchObject({ Type: 'Task', ...caught });
    expect(definition.States.InspectTargets).toMatchObject({ Type: 'Map', ItemsPath: '$.targets', MaxConcurrency: 10, ...caught });
    expect(definition.States.LoginRoles).toMatchObject({ Type: 'Map', ItemsPath: '$.roles', MaxConcurrency: 3, ...caught });
    expect(definition.States.GrantTargets).toMatchObject({ Type: 'Map', ItemsPath: '$.targets', MaxConcurrency: 10, ...caught });
    const tasks = [
      definition.States.ListTargets,
      definition.States.InspectTargets.ItemProcessor.States.InspectTarget,
      definition.States.LoginRoles.ItemProcessor.States.LoginRole,
      definition.States.GrantTargets.ItemProcessor.States.GrantTarget,
    ];
    for (const task of tasks) {
      expect(task.Retry[0].ErrorEquals).toContain('DataApiTransientError');
      expect(task.TimeoutSeconds).toBeLessThanOrEqual(120);
    }
  });
});
