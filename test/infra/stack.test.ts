import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../functions/http/routes';
import { LAMBDA_BUNDLING } from '../../infra/bundling';
import { DBROLES_TASK_FUNCTIONS } from '../../infra/handlers';
import { DEFAULT_SETTINGS, type DeploymentSettings, settingsFrom } from '../../infra/settings';
import { DbAccessStack } from '../../infra/stack';

const settings: DeploymentSettings = {
  ...DEFAULT_SETTINGS,
  jwtIssuer: 'https://idp.test.example/',
  jwtAudience: 'test-audience',
  orgClaim: 'tenant',
  groupsClaim: 'roles',
  adminGroup: 'db-admins',
  auditorGroup: 'db-auditors',
  logRetentionDays: 14,
};

/** The JavaScript files of a staged bundle: its entry and its chunks. */
function javascriptFilesOf(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.mjs'))
    .map((name) => join(dir, name));
}

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

  /** The logical ID of a construct's CloudFormation resource. */
  const logicalId = (element: CfnElement) => stack.getLogicalId(element);

  /** The statements of the inline policies attached to a function's role. */
  function statementsOf(group: string): PolicyStatementJson[] {
    const roleId = stack.getLogicalId(stack.node.findChild(`${group}-role`).node.defaultChild as never);
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } });
    return Object.values(policies).flatMap((policy) => (policy as { Properties: { PolicyDocument: { Statement: PolicyStatementJson[] } } }).Properties.PolicyDocument.Statement);
  }

  it('has the service table with the key schema, on-demand, PITR, deletion protection and TTL', () => {
    // Assess
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 2);
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

  it('has an idempotency table (Powertools layout, TTL), used only by the functions with POST routes', () => {
    // Act
    const idempotencyArn = { 'Fn::GetAtt': [logicalId(stack.idempotencyTable.node.defaultChild as CfnElement), 'Arn'] };
    const usesIdempotency = (group: string) =>
      statementsOf(group).some((statement) => [statement.Resource].flat().some((resource) => JSON.stringify(resource) === JSON.stringify(idempotencyArn)));
    const environmentOf = (group: string) => {
      const functionId = logicalId(stack.node.findChild(`${group}-function`).node.defaultChild as CfnElement);
      return (template.toJSON().Resources[functionId].Properties.Environment.Variables ?? {}) as Record<string, unknown>;
    };

    // Assess
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
    for (const group of groups) {
      const hasPost = routes.some((route) => route.group === group && route.method === 'POST');
      expect(usesIdempotency(group)).toBe(hasPost);
      expect('IDEMPOTENCY_TABLE_NAME' in environmentOf(group)).toBe(hasPost);
    }
  });

  /** Every function's construct id (`<id>-function`), and the memory size the stack chose for it from the measurement. */
  const memoryOf: Record<string, number> = {
    ...Object.fromEntries(groups.map((group) => [group, group === 'openapi' ? 512 : 1024])),
    ...Object.fromEntries(Object.values(DBROLES_TASK_FUNCTIONS).map((handler) => [`dbroles-${handler}`, 256])),
    'dbroles-executionEnded': 256,
    'dbroles-tag-trigger': 256,
  };

  it('has one Node 22 ARM64 function per handler group, with the settings in its environment', () => {
    // Act
    const functions = template.findResources('AWS::Lambda::Function', { Properties: { Runtime: 'nodejs22.x', Handler: 'index.handler' } });
    // One per HTTP handler group, plus the tag trigger.
    expect(Object.keys(functions)).toHaveLength(groups.length + 1);

    // Assess
    // And the workflow's Task functions, and the execution-ended target.
    template.resourceCountIs('AWS::Lambda::Function', groups.length + 1 + Object.keys(DBROLES_TASK_FUNCTIONS).length + 1);
    const tableName = { Ref: logicalId(stack.table.node.defaultChild as CfnElement) };
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      expect(fn).toMatchObject({
        Properties: {
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
          Environment: {
            Variables: {
              ORG_CLAIM: 'tenant',
              GROUPS_CLAIM: 'roles',
              ADMIN_GROUP: 'db-admins',
              AUDITOR_GROUP: 'db-auditors',
              TABLE_NAME: tableName,
              POWERTOOLS_SERVICE_NAME: 'db-access',
              POWERTOOLS_LOG_LEVEL: 'INFO',
            },
          },
        },
      });
    }
  });

  it('runs every function on ARM64 with the memory size chosen for it, without source maps and without logging events', () => {
    // Act
    const functions = template.findResources('AWS::Lambda::Function');
    const sizes = Object.fromEntries(
      Object.keys(memoryOf).map((id) => {
        const functionId = logicalId(stack.node.findChild(`${id}-function`).node.defaultChild as CfnElement);
        return [id, (functions[functionId] as { Properties: { MemorySize: number } }).Properties.MemorySize];
      }),
    );

    // Assess
    expect(Object.keys(memoryOf)).toHaveLength(Object.keys(functions).length);
    expect(sizes).toEqual(memoryOf);
    for (const fn of Object.values(functions) as { Properties: { Architectures: string[]; Environment: { Variables: Record<string, unknown> } } }[]) {
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      // Measured: --enable-source-maps costs every cold start; the bundles carry no map to read.
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBeUndefined();
      // The HTTP handler says logEvent: false; nothing in the environment asks for the event either.
      expect(fn.Properties.Environment.Variables.POWERTOOLS_LOGGER_LOG_EVENT).toBeUndefined();
    }
    expect(LAMBDA_BUNDLING.sourcemap).toBe(false);
  });

  it("deploys bundles whose SDK clients read Lambda's environment credentials, not the whole default chain", () => {
    // Prepare: the bundles CDK staged for this synthesis, each with its entry and the chunks it loads on demand
    const outdir = stack.node.root instanceof App ? stack.node.root.outdir : '';
    const bundles = readdirSync(outdir)
      .filter((name) => name.startsWith('asset.') && existsSync(join(outdir, name, 'index.mjs')))
      .map((name) => javascriptFilesOf(join(outdir, name)).map((file) => readFileSync(file, 'utf8')).join('\n'));

    // Assess: one bundle per distinct function code, and the chain's providers (SSO, ini files, IMDS…) left out
    const functions = Object.values(template.findResources('AWS::Lambda::Function')) as { Properties: { Code: { S3Key: unknown }; Handler: string } }[];
    const codes = new Set(functions.map((fn) => JSON.stringify(fn.Properties.Code.S3Key)));
    expect(bundles.length).toBe(codes.size);
    // One bundle per entry: each handler group, the workflow Tasks (one bundle), execution-ended and the tag trigger.
    expect(codes.size).toBe(groups.length + 3);
    for (const fn of functions) expect(fn.Properties.Handler).toMatch(/^index\.\w+$/);
    const withSdk = bundles.filter((bundle) => bundle.includes('the Lambda bundles read only those'));
    expect(withSdk.length).toBeGreaterThan(0);
    for (const bundle of bundles) expect(bundle).not.toContain('Could not load credentials from any providers');
  });

  it('routes every row of the route table, with the JWT authorizer except on public routes', () => {
    // Assess
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
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
    // CORS is off unless origins are configured.
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP', CorsConfiguration: Match.absent() });
  });

  it('routes each handler group to its own function', () => {
    // Act
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
    const functionsOf = Object.values(integrations).map((integration) => JSON.stringify(integration));

    // Assess: one integration per group, each pointing at that group's function.
    expect(functionsOf).toHaveLength(groups.length);
    for (const group of groups) {
      const fn = stack.functions[group];
      if (!fn) throw new Error(`no function for ${group}`);
      const id = logicalId(fn.node.defaultChild as CfnElement);
      expect(functionsOf.filter((integration) => integration.includes(`"${id}"`))).toHaveLength(1);
    }
  });

  it('keeps logs for the configured time, logs API access and throttles the stage', () => {
    // Act
    const logGroups = template.findResources('AWS::Logs::LogGroup');
    // Every function, the API's access log and the workflow.

    // Assess
    expect(Object.keys(logGroups)).toHaveLength(groups.length + 1 + Object.keys(DBROLES_TASK_FUNCTIONS).length + 1 + 2);
    for (const logGroup of Object.values(logGroups)) expect(logGroup).toMatchObject({ Properties: { RetentionInDays: 14 } });
    const stages = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'));
    expect(stages).toHaveLength(1);
    const stage = stages[0] as { Properties: { AccessLogSettings: { Format: string }; DefaultRouteSettings: Record<string, number> } };
    expect(JSON.parse(stage.Properties.AccessLogSettings.Format)).toMatchObject({
      requestId: '$context.requestId',
      routeKey: '$context.routeKey',
      status: '$context.status',
      latencyMs: '$context.responseLatency',
    });
    expect(stage.Properties.DefaultRouteSettings).toMatchObject({ ThrottlingBurstLimit: expect.any(Number), ThrottlingRateLimit: expect.any(Number) });
    // Each function writes to its own log group, set on the function rather than by name.
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      expect(fn).toMatchObject({ Properties: { LoggingConfig: { LogGroup: { Ref: expect.any(String) } } } });
    }
  });

  it('grants each function only what it uses', () => {
    // Act
    const dynamoActions = (group: string) => statementsOf(group).filter((statement) => [statement.Action].flat().some((action) => action.startsWith('dynamodb:')));
    const tableArn = { 'Fn::GetAtt': [logicalId(stack.table.node.defaultChild as CfnElement), 'Arn'] };
    const idempotencyArn = { 'Fn::GetAtt': [logicalId(stack.idempotencyTable.node.defaultChild as CfnElement), 'Arn'] };

    // Assess
    expect(dynamoActions('openapi')).toEqual([]);
    const sessions = dynamoActions('sessions').flatMap((statement) => [statement.Action].flat());
    expect(sessions.some((action) => /Put|Update|Delete|Write/.test(action))).toBe(false);
    expect(dynamoActions('resources').flatMap((statement) => [statement.Action].flat())).toEqual(
      expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']),
    );
    for (const group of ['resources', 'provisioning', 'sessions', 'dbroles']) {
      expect(dynamoActions(group).length).toBeGreaterThan(0);
      // Only the table (and, were there any, its indexes): never `*`.
      for (const statement of dynamoActions(group)) {
        for (const resource of [statement.Resource].flat()) {
          expect([tableArn, idempotencyArn].some((arn) => JSON.stringify(resource).includes(JSON.stringify(arn)))).toBe(true);
        }
      }
    }
    const dataApi = (group: string) => statementsOf(group).filter((statement) => [statement.Action].flat().some((action) => action.startsWith('rds-data:')));
    expect(dataApi('provisioning')).toHaveLength(1);
    expect(dataApi('resources')).toEqual([]);
    expect(statementsOf('resources').some((statement) => [statement.Action].flat().includes('secretsmanager:GetSecretValue'))).toBe(false);
  });

  it('deploys the workflow from the ASL file with every Task function substituted, logging errors without payloads', () => {
    // Act
    const machines = template.findResources('AWS::StepFunctions::StateMachine');
    expect(Object.keys(machines)).toHaveLength(1);
    const machine = Object.values(machines)[0] as { Properties: Record<string, unknown> };

    // Assess
    expect(machine.Properties).toMatchObject({
      LoggingConfiguration: { Level: 'ERROR', IncludeExecutionData: false },
      TracingConfiguration: { Enabled: true },
      DefinitionSubstitutions: Object.fromEntries(Object.keys(DBROLES_TASK_FUNCTIONS).map((substitution) => [substitution, expect.anything()])),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ExecutionsFailed', Threshold: 1 });
  });

  it('has the tag rule and the execution-ended rule, with the deployment settings in their patterns', () => {
    // Assess
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
    // Act
    const actions = (id: string) => statementsOf(id).flatMap((statement) => [statement.Action].flat());

    // Assess
    for (const task of ['listTargets', 'inspectTarget', 'loginRole', 'grantTarget']) {
      expect(actions(`dbroles-${task}`)).toEqual(expect.arrayContaining(['rds-data:ExecuteStatement', 'secretsmanager:GetSecretValue']));
    }
    for (const task of ['recordRoleFailure', 'recordGrantFailure']) expect(actions(`dbroles-${task}`).some((action) => action.startsWith('rds-data:'))).toBe(false);
    expect(actions('dbroles-finishJob')).toContain('events:PutEvents');
    expect(actions('dbroles-finishJob').some((action) => action.startsWith('rds-data:'))).toBe(false);
    expect(actions('dbroles')).toEqual(expect.arrayContaining(['states:StartExecution', 'rds:DescribeDBClusters']));
    expect(actions('dbroles').some((action) => action.startsWith('rds-data:'))).toBe(false);
  });

  it('lets exactly the functions that create jobs describe the workflow\'s executions, and nothing else of it', () => {
    // Prepare
    const functions = [...groups, ...Object.values(DBROLES_TASK_FUNCTIONS).map((handler) => `dbroles-${handler}`), 'dbroles-executionEnded', 'dbroles-tag-trigger'];
    const describing = (id: string) => statementsOf(id).filter((statement) => [statement.Action].flat().includes('states:DescribeExecution'));

    // Act
    const granted = functions.filter((id) => describing(id).length > 0);

    // Assess
    expect(granted).toEqual(['dbroles', 'dbroles-tag-trigger']);
    for (const id of granted) {
      const [statement] = describing(id);
      expect([statement?.Action].flat()).toEqual(['states:DescribeExecution']);
      const resource = JSON.stringify(statement?.Resource);
      expect(resource).toContain(':execution:');
      expect(resource).toContain(JSON.stringify({ Ref: logicalId(stack.workflow.node.defaultChild as CfnElement) }));
    }
  });

  it('passes the cdk-nag AwsSolutions pack (errors and warnings alike) with every exception acknowledged', () => {
    // Act: cdk-nag 3 is a validation plugin, not an Aspect; validateScope runs the same checks as synth.
    const report = new AwsSolutionsChecks(stack).validateScope(stack);

    // Assess
    expect(report.violations.map((violation) => violation.ruleName)).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('outputs the API URL and the table name', () => {
    // Assess
    template.hasOutput('ApiUrl', { Value: Match.anyValue() });
    template.hasOutput('TableName', { Value: { Ref: logicalId(stack.table.node.defaultChild as CfnElement) } });
  });
});

describe('DbAccessStack, settings that need no bundling', () => {
  // Bundling is skipped for these stacks: they only check what the settings change.
  const unbundled = () => new App({ context: { 'aws:cdk:bundling-stacks': [] } });

  it('answers CORS preflights for the configured origins only', () => {
    // Prepare
    const cors = new DbAccessStack(unbundled(), 'Cors', { settings: { ...DEFAULT_SETTINGS, corsAllowOrigins: ['https://console.example.com'] } });

    // Act
    const template = Template.fromStack(cors);

    // Assess
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: ['https://console.example.com'], AllowHeaders: ['authorization', 'content-type'] }),
    });
  });

  it('sets the configured Powertools log level on every function', () => {
    // Prepare
    const debug = new DbAccessStack(unbundled(), 'Debug', { settings: { ...DEFAULT_SETTINGS, logLevel: 'DEBUG' } });

    // Act
    const functions = Object.values(Template.fromStack(debug).findResources('AWS::Lambda::Function'));

    // Assess
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) expect(fn).toMatchObject({ Properties: { Environment: { Variables: { POWERTOOLS_LOG_LEVEL: 'DEBUG' } } } });
  });

  it('reads the log level from the context in any case, INFO by default, and refuses an unknown one', () => {
    // Act
    const configured = settingsFrom((key) => (key === 'logLevel' ? 'warn' : undefined));
    const defaults = settingsFrom(() => undefined);

    // Assess
    expect(configured.logLevel).toBe('WARN');
    expect(defaults.logLevel).toBe('INFO');
    expect(() => settingsFrom((key) => (key === 'logLevel' ? 'verbose' : undefined))).toThrow(/logLevel must be one of/);
  });

  it('reads the admin and auditor group names from the context, with admin and auditor as defaults', () => {
    // Prepare
    const context: Record<string, string> = { adminGroup: 'platform-admins', auditorGroup: 'security' };

    // Act
    const configured = settingsFrom((key) => context[key]);
    const defaults = settingsFrom(() => undefined);

    // Assess
    expect(configured).toMatchObject({ adminGroup: 'platform-admins', auditorGroup: 'security' });
    expect(defaults).toMatchObject({ adminGroup: 'admin', auditorGroup: 'auditor' });
  });

  it('has a cdk-nag pack that does report findings, so an empty report above means something', () => {
    // Prepare: a bucket with none of the settings the pack asks for.
    const bad = new Stack(new App(), 'Bad');
    new Bucket(bad, 'Bucket');

    // Act
    const report = new AwsSolutionsChecks(bad).validateScope(bad);

    // Assess
    expect(report.violations.map((violation) => violation.ruleName)).toEqual(expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']));
  });
});
