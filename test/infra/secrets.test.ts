import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../functions/http/routes';
import { DBROLES_TASK_FUNCTIONS } from '../../infra/handlers';
import { DEFAULT_SETTINGS } from '../../infra/settings';
import { DbAccessStack } from '../../infra/stack';

const VAULT_TOKEN_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-access/vault-token-AbCdEf';

interface Statement {
  Action: string | string[];
  Resource: unknown;
}

describe('DbAccessStack, secrets at rest', () => {
  let stack: DbAccessStack;
  let template: Template;
  const functionIds = [...new Set(routes.map((route) => route.group)), ...Object.values(DBROLES_TASK_FUNCTIONS).map((handler) => `dbroles-${handler}`), 'dbroles-executionEnded', 'dbroles-tag-trigger'];

  beforeAll(() => {
    // Prepare: no bundling, only the key, the grants and the settings are checked here.
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    stack = new DbAccessStack(app, 'Secrets', { settings: { ...DEFAULT_SETTINGS, vaultAddress: 'https://vault.example.com', vaultTokenSecretArn: VAULT_TOKEN_SECRET } });
    template = Template.fromStack(stack);
  });

  const keyArn = () => ({ 'Fn::GetAtt': [stack.getLogicalId(stack.secretsKey.node.defaultChild as CfnElement), 'Arn'] });

  function statementsOf(id: string): Statement[] {
    const roleId = stack.getLogicalId(stack.node.findChild(`${id}-role`).node.defaultChild as CfnElement);
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } });
    return Object.values(policies).flatMap((policy) => (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement);
  }

  function environmentOf(id: string): Record<string, unknown> {
    const fnId = stack.getLogicalId(stack.node.findChild(`${id}-function`).node.defaultChild as CfnElement);
    const fn = template.toJSON().Resources[fnId] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
    return fn.Properties.Environment.Variables;
  }

  it('has one customer-managed KMS key with rotation on, kept when the stack goes', () => {
    // Assess
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', Properties: { EnableKeyRotation: true, PendingWindowInDays: 30 } });
    template.hasOutput('SecretsKeyArn', { Value: keyArn() });
  });

  it('lets only the functions that store secrets generate data keys, and only those that reveal them decrypt', () => {
    // Act
    const kms = Object.fromEntries(
      functionIds.map((id) => {
        const statements = statementsOf(id).filter((statement) => [statement.Action].flat().some((action) => action.startsWith('kms:')));
        for (const statement of statements) expect(statement.Resource).toEqual(keyArn());
        return [id, statements.flatMap((statement) => [statement.Action].flat()).sort()];
      }),
    );

    // Assess
    expect(Object.fromEntries(Object.entries(kms).filter(([, actions]) => actions.length > 0))).toEqual({
      resources: ['kms:Decrypt', 'kms:GenerateDataKey'],
      provisioning: ['kms:GenerateDataKey'],
      'dbroles-loginRole': ['kms:Decrypt', 'kms:GenerateDataKey'],
    });
    for (const id of ['resources', 'provisioning', 'dbroles-loginRole']) expect(environmentOf(id).SECRETS_KMS_KEY_ARN).toEqual(keyArn());
  });

  it("gives Vault's token to the Task that writes to Vault, from Secrets Manager, never in an environment variable", () => {
    // Act
    const readers = functionIds.filter((id) => JSON.stringify(statementsOf(id)).includes(VAULT_TOKEN_SECRET));

    // Assess
    expect(readers).toEqual(['dbroles-loginRole']);
    expect(statementsOf('dbroles-loginRole')).toContainEqual({ Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: VAULT_TOKEN_SECRET });
    expect(environmentOf('dbroles-loginRole').VAULT_TOKEN_SECRET_ARN).toBe(VAULT_TOKEN_SECRET);
    for (const id of functionIds) expect(environmentOf(id)).not.toHaveProperty('VAULT_TOKEN');
  });

  it('passes the cdk-nag AwsSolutions pack with the key and the Vault token secret', () => {
    // Act
    const report = new AwsSolutionsChecks(stack).validateScope(stack);

    // Assess
    expect(report.violations.map((violation) => `${violation.ruleName}: ${JSON.stringify(violation.violatingResources)}`)).toEqual([]);
  });
});
