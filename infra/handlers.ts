import { fileURLToPath } from 'node:url';
import type { HandlerGroup } from '../functions/http/routes';

/** The entry file of a handler group's Lambda function: `functions/entries/<group>.ts`, export `handler`. */
export function handlerEntry(group: HandlerGroup): string {
  return fileURLToPath(new URL(`../functions/entries/${group}.ts`, import.meta.url));
}

/** The Lambda functions of the DB role job workflow: one bundle, one handler per Task. */
export const DBROLES_TASKS_ENTRY = fileURLToPath(new URL('../functions/entries/dbroles-tasks.ts', import.meta.url));

/** The target of the rule on executions that end without finishing their job (export `executionEnded`). */
export const DBROLES_EXECUTION_ENDED_ENTRY = fileURLToPath(new URL('../functions/entries/dbroles-execution-ended.ts', import.meta.url));

/** The target of the RDS tag change rule. */
export const TAG_TRIGGER_ENTRY = fileURLToPath(new URL('../functions/entries/tag-trigger.ts', import.meta.url));

/** The DB role job workflow: one ASL document for CDK and for the local runner. */
export const DBROLES_STATE_MACHINE = fileURLToPath(new URL('./statemachine/dbroles.asl.json', import.meta.url));

/** Each `${Substitution}` of the ASL document and the exported handler of the tasks bundle it names. */
export const DBROLES_TASK_FUNCTIONS = {
  ListTargetsFunctionArn: 'listTargets',
  InspectTargetFunctionArn: 'inspectTarget',
  LoginRoleFunctionArn: 'loginRole',
  RecordRoleFailureFunctionArn: 'recordRoleFailure',
  GrantTargetFunctionArn: 'grantTarget',
  RecordGrantFailureFunctionArn: 'recordGrantFailure',
  FinishJobFunctionArn: 'finishJob',
} as const;

/** The Tasks that reach the cluster through the Data API (and its master secret). */
export const DBROLES_DATA_API_TASKS = ['ListTargetsFunctionArn', 'InspectTargetFunctionArn', 'LoginRoleFunctionArn', 'GrantTargetFunctionArn'] as const;
