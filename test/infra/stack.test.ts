import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../functions/routes';
import { DEFAULT_SETTINGS, type DeploymentSettings } from '../../infra/settings';
import { DbAccessStack } from '../../infra/stack';

const settings: DeploymentSettings = {
  ...DEFAULT_SETTINGS,
  jwtIssuer: 'https://idp.test.example/',
  jwtAudience: 'test-audience',
  orgClaim: 'tenant',
  groupsClaim: 'roles',
  logRetentionDays: 14,
};

interface PolicyStatementJson {
  Action: string | string[];
  Resource: unknown;
}

describe('DbAccessStack', () => {
  let stack: DbAccessStack;
  let template: Template;

  beforeAll(() => {
    // Prepare: one synthesis for the whole file (bundling runs esbuild for every function).
    const app = new App();
    stack = new DbAccessStack(app, 'Test', { settings });
    template = Template.fromStack(stack);
  });

  const groups = [...new Set(routes.map((route) => route.group))];

  /** The statements of the inline policies attached to a function's role. */
  function statementsOf(group: string): PolicyStatementJson[] {
    const roleId = stack.getLogicalId(stack.node.findChild(`${group}-role`).node.defaultChild as never);
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } });
    return Object.values(policies).flatMap((policy) => (policy as { Properties: { PolicyDocument: { Statement: PolicyStatementJson[] } } }).Properties.PolicyDocument.Statement);
  }

  it('has one table with the key schema, on-demand, PITR, deletion protection and TTL', () => {
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true }, DeletionProtectionEnabled: true })],
      }),
    });
  });

  it('has one Node 22 ARM64 function per handler group, with the settings in its environment', () => {
    const functions = template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs22.x', Handler: 'index.handler' } });
    // One per HTTP handler group, plus the tag trigger.
    expect(Object.keys(functions)).toHaveLength(groups.length + 1);
    template.resourceCountIs('AWS::Lambda::Function', groups.length + 1 + 4);
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      expect(fn).toMatchObject({
        Properties: {
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
          Environment: { Variables: { ORG_CLAIM: 'tenant', GROUPS_CLAIM: 'roles', TABLE_NAME: expect.anything(), NODE_OPTIONS: '--enable-source-maps' } },
        },
      });
    }
  });

  it('routes every row of the route table, with the JWT authorizer except on public routes', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Issuer: 'https://idp.test.example/', Audience: ['test-audience'] },
    });
    for (const route of routes) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: `${route.method} ${route.path}`,
        AuthorizationType: route.access === 'public' ? 'NONE' : 'JWT',
      });
    }
    template.resourceCountIs('AWS::ApiGatewayV2::Route', routes.length);
  });

  it('keeps logs for the configured time and logs API access', () => {
    const logGroups = template.findResources('AWS::Logs::LogGroup');
    // Every function, the API's access log and the workflow.
    expect(Object.keys(logGroups)).toHaveLength(groups.length + 1 + 4 + 2);
    for (const logGroup of Object.values(logGroups)) expect(logGroup).toMatchObject({ Properties: { RetentionInDays: 14 } });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') } });
  });

  it('grants each function only what it uses', () => {
    const dynamoActions = (group: string) => statementsOf(group).filter((statement) => [statement.Action].flat().some((action) => action.startsWith('dynamodb:')));
    expect(dynamoActions('openapi')).toEqual([]);
    const sessions = dynamoActions('sessions').flatMap((statement) => [statement.Action].flat());
    expect(sessions.some((action) => /Put|Update|Delete|Write/.test(action))).toBe(false);
    for (const group of ['resources', 'provisioning', 'sessions']) {
      for (const statement of dynamoActions(group)) expect(JSON.stringify(statement.Resource)).not.toBe('"*"');
    }
    const dataApi = (group: string) => statementsOf(group).filter((statement) => [statement.Action].flat().some((action) => action.startsWith('rds-data:')));
    expect(dataApi('provisioning')).toHaveLength(1);
    expect(dataApi('resources')).toEqual([]);
    expect(statementsOf('resources').some((statement) => [statement.Action].flat().includes('secretsmanager:GetSecretValue'))).toBe(false);
  });

  it('deploys the workflow from the ASL file with every Task function substituted, logging errors without payloads', () => {
    const machines = template.findResources('AWS::StepFunctions::StateMachine');
    expect(Object.keys(machines)).toHaveLength(1);
    const machine = Object.values(machines)[0] as { Properties: Record<string, unknown> };
    expect(machine.Properties).toMatchObject({
      LoggingConfiguration: { Level: 'ERROR', IncludeExecutionData: false },
      TracingConfiguration: { Enabled: true },
      DefinitionSubstitutions: { ProvisionRoleFunctionArn: expect.anything(), RecordRoleFailureFunctionArn: expect.anything(), FinishJobFunctionArn: expect.anything() },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ExecutionsFailed', Threshold: 1 });
  });

  it('has the tag rule and the execution-ended rule, with the deployment settings in their patterns', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.tag'],
        'detail-type': ['Tag Change on Resource'],
        detail: { service: ['rds'], 'resource-type': ['cluster', 'db'], 'changed-tag-keys': ['hoop.dev/provision-roles'], tags: { 'hoop.dev/provision-roles': ['true'] } },
      },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.states'], detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [Match.anyValue()] } },
    });
  });

  it('gives the Data API only to the functions that run SQL, and PutEvents only to the one that publishes', () => {
    const actions = (id: string) => statementsOf(id).flatMap((statement) => [statement.Action].flat());
    expect(actions('dbroles-provisionRole')).toEqual(expect.arrayContaining(['rds-data:ExecuteStatement', 'secretsmanager:GetSecretValue']));
    expect(actions('dbroles-finishJob')).toContain('events:PutEvents');
    expect(actions('dbroles-finishJob').some((action) => action.startsWith('rds-data:'))).toBe(false);
    expect(actions('dbroles')).toEqual(expect.arrayContaining(['states:StartExecution', 'rds:DescribeDBClusters']));
    expect(actions('dbroles').some((action) => action.startsWith('rds-data:'))).toBe(false);
  });

  it('passes the cdk-nag AwsSolutions pack with every exception acknowledged', () => {
    // Act
    const report = new AwsSolutionsChecks(stack).validateScope(stack);

    // Assess
    expect(report.violations.map((violation) => violation.ruleName)).toEqual([]);
    expect(report.success).toBe(true);
  });
});
