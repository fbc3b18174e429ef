import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { AssetHashType, CfnOutput, DockerImage, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import {
  type CfnStage,
  CorsHttpMethod,
  type CorsPreflightOptions,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpRoute,
  HttpRouteKey,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Architecture, type CfnFunction, Code, Function as LambdaFn, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { type CfnLogGroup, LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { EventBus, type EventPattern, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { type CfnStateMachine, DefinitionBody, LogLevel, StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { IDEMPOTENCY_TABLE_SCHEMA, TABLE_SCHEMA } from '../functions/adapters/dynamodb/table';
import { type HandlerGroup, routes, routesOfGroup } from '../functions/http/routes';
import { buildLambdaBundle, LAMBDA_ENTRY_FILE } from './bundling';
import { DBROLES_DATA_API_TASKS, DBROLES_EXECUTION_ENDED_ENTRY, DBROLES_STATE_MACHINE, DBROLES_TASK_FUNCTIONS, DBROLES_TASKS_ENTRY, handlerEntry, TAG_TRIGGER_ENTRY } from './handlers';
import { executionEndedPattern, tagChangePattern } from '../functions/adapters/eventbridge/rules';
import type { DeploymentSettings } from './settings';

export interface DbAccessStackProps extends StackProps {
  settings: DeploymentSettings;
}

type TableAccess = 'none' | 'read' | 'readWrite';

/** What each handler group may do with the table: nothing more. A new group must say what it needs. */
const TABLE_ACCESS: Record<HandlerGroup, TableAccess> = {
  openapi: 'none',
  resources: 'readWrite',
  provisioning: 'readWrite',
  sessions: 'read',
  dbroles: 'readWrite',
};

type SecretsAccess = 'none' | 'seal' | 'sealAndOpen';

/**
 * What each handler group does with secrets at rest: resources stores them and reveals them;
 * provisioning stores the passwords its applies make and reads none; the others never touch them.
 */
const SECRETS_ACCESS: Record<HandlerGroup, SecretsAccess> = {
  openapi: 'none',
  resources: 'sealAndOpen',
  provisioning: 'seal',
  sessions: 'none',
  dbroles: 'none',
};

/** Handler groups that reach Aurora clusters through the RDS Data API. */
const DATA_API_GROUPS: ReadonlySet<HandlerGroup> = new Set(['provisioning']);

/**
 * Memory sizes, from a measurement (issue 12): each bundle built with infra/bundling.ts, imported in
 * fresh Node processes (median of 9) and invoked once against a stub AWS endpoint (median of 3).
 * Peak RSS after the invocation: 59 to 73 MB for the API functions, 52 to 66 MB for the others, next
 * to 44 MB for an empty handler (so 8 to 29 MB of our own); heap at most 16 MB. Memory is therefore
 * never what limits: 256 MB is almost four times the largest peak (Lambda's runtime, not measured
 * here, adds some). What memory buys on Lambda is CPU (1,769 MB = 1 vCPU), and a cold start's init
 * measured 70 to 150 ms on a full core, more on a fraction of one:
 * - the API functions answer callers: 1,024 MB (0.58 vCPU) keeps their init near a quarter of a
 *   second and their warm requests' CPU work (validation, auth, signing) short;
 * - the OpenAPI document is public, static and rarely fetched: 512 MB;
 * - the workflow Tasks, the execution-ended target and the tag trigger run in the background and
 *   mostly wait on the Data API, DynamoDB and Step Functions (billed by the millisecond of waiting):
 *   256 MB (0.14 vCPU, an init of about a second at worst, within their 60 to 300 s timeouts).
 */
const MEMORY_MB = { api: 1024, openapi: 512, background: 256 } as const;

/** The DB role workflow's execution timeout (the ASL document's TimeoutSeconds). */
const JOB_TIMEOUT_SECONDS = (JSON.parse(readFileSync(DBROLES_STATE_MACHINE, 'utf8')) as { TimeoutSeconds: number }).TimeoutSeconds;

function retentionOf(days: number): RetentionDays {
  const allowed = Object.values(RetentionDays).filter((value): value is RetentionDays => typeof value === 'number');
  if (!allowed.includes(days as RetentionDays)) throw new Error(`logRetentionDays must be one of ${allowed.join(', ')}`);
  return days as RetentionDays;
}

/**
 * The service: an HTTP API with a JWT authorizer whose routes come from the shared route table, one
 * Lambda function per handler group, and the single DynamoDB table.
 */
export class DbAccessStack extends Stack {
  readonly table: TableV2;
  readonly idempotencyTable: TableV2;
  /** Wraps the data keys of every secret stored in the table (docs/security.md). */
  readonly secretsKey: Key;
  readonly api: HttpApi;
  readonly functions: Partial<Record<HandlerGroup, LambdaFn>> = {};
  workflow!: StateMachine;

  constructor(scope: Construct, id: string, props: DbAccessStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const retention = retentionOf(settings.logRetentionDays);

    this.table = new TableV2(this, 'Table', {
      partitionKey: { name: TABLE_SCHEMA.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_SCHEMA.sortKey, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      timeToLiveAttribute: TABLE_SCHEMA.ttlAttribute,
      encryption: TableEncryptionV2.awsManagedKey(),
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // First answers to POSTs with an Idempotency-Key, kept 24 h: short-lived, so not retained.
    this.idempotencyTable = new TableV2(this, 'IdempotencyTable', {
      partitionKey: { name: IDEMPOTENCY_TABLE_SCHEMA.partitionKey, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: IDEMPOTENCY_TABLE_SCHEMA.ttlAttribute,
      encryption: TableEncryptionV2.awsManagedKey(),
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.secretsKey = new Key(this, 'SecretsKey', {
      description: 'db-access: wraps the data keys of secrets at rest (credential env vars, role secrets, generated passwords)',
      enableKeyRotation: true,
      // Losing it loses every stored secret: it outlives the stack, and a deletion waits the longest window.
      removalPolicy: RemovalPolicy.RETAIN,
      pendingWindow: Duration.days(30),
    });

    const groups = [...new Set(routes.map((route) => route.group))];
    for (const group of groups) this.functions[group] = this.handlerFunction(group, settings, retention);
    const jobsApi = this.functions.dbroles;
    if (!jobsApi) throw new Error('the route table has no dbroles group');
    this.dbRoleJobs(settings, retention, jobsApi);

    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention, removalPolicy: RemovalPolicy.DESTROY });
    this.api = new HttpApi(this, 'Api', {
      description: 'Database access provisioning API',
      createDefaultStage: true,
      // Off unless origins are configured: the API is meant for CLIs and back ends.
      corsPreflight: settings.corsAllowOrigins.length > 0 ? this.cors(settings.corsAllowOrigins) : undefined,
    });
    const stage = this.api.defaultStage?.node.defaultChild as CfnStage;
    stage.accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        routeKey: '$context.routeKey',
        status: '$context.status',
        latencyMs: '$context.responseLatency',
        integrationError: '$context.integrationErrorMessage',
        authorizerError: '$context.authorizer.error',
        sourceIp: '$context.identity.sourceIp',
        sub: '$context.authorizer.claims.sub',
      }),
    };
    stage.defaultRouteSettings = { throttlingBurstLimit: 200, throttlingRateLimit: 100 };

    const authorizer = new HttpJwtAuthorizer('JwtAuthorizer', settings.jwtIssuer, { jwtAudience: [settings.jwtAudience] });
    const integrations = new Map<HandlerGroup, HttpLambdaIntegration>();
    for (const route of routes) {
      const fn = this.functions[route.group];
      if (!fn) throw new Error(`no function for ${route.group}`);
      let integration = integrations.get(route.group);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${route.group}-integration`, fn);
        integrations.set(route.group, integration);
      }
      new HttpRoute(this, `Route-${route.operationId}`, {
        httpApi: this.api,
        routeKey: HttpRouteKey.with(route.path, HttpMethod[route.method]),
        integration,
        authorizer: route.access === 'public' ? new HttpNoneAuthorizer() : authorizer,
      });
    }

    new CfnOutput(this, 'ApiUrl', { value: `${this.api.apiEndpoint}/api` });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'SecretsKeyArn', { value: this.secretsKey.keyArn });
    this.suppressFindings();
  }

  /** Preflight answers for the configured origins: the methods of the route table and the headers clients send. */
  private cors(allowOrigins: string[]): CorsPreflightOptions {
    const methods = [...new Set(routes.map((route) => route.method))].map((method) => CorsHttpMethod[method]);
    return { allowOrigins, allowMethods: [...methods, CorsHttpMethod.OPTIONS], allowHeaders: ['authorization', 'content-type'], maxAge: Duration.hours(1) };
  }

  private handlerFunction(group: HandlerGroup, settings: DeploymentSettings, retention: RetentionDays): LambdaFn {
    const memorySize = group === 'openapi' ? MEMORY_MB.openapi : MEMORY_MB.api;
    const fn = this.lambda(group, { entry: handlerEntry(group), handler: 'handler', settings, retention, timeoutSeconds: 29, memorySize });
    const access = TABLE_ACCESS[group];
    if (access === 'read') this.table.grantReadData(fn);
    if (access === 'readWrite') this.table.grantReadWriteData(fn);
    if (DATA_API_GROUPS.has(group)) this.grantDataApi(fn, settings);
    this.grantSecrets(fn, SECRETS_ACCESS[group]);
    // Groups with POST routes keep the first answer to a request with an Idempotency-Key.
    if (routesOfGroup(group).some((route) => route.method === 'POST')) {
      this.idempotencyTable.grantReadWriteData(fn);
      fn.addEnvironment('IDEMPOTENCY_TABLE_NAME', this.idempotencyTable.tableName);
    }
    return fn;
  }

  /**
   * One Lambda function as every function of the service is built: Node 22 on ARM64 (Graviton: about
   * a fifth cheaper per GB-second than x86, and every dependency is pure JavaScript), the esbuild ESM
   * bundle of its entry (see `bundleOf`), X-Ray, its own log group with retention, and a role that may write only to that log group.
   * No `--enable-source-maps`: measured, it added 9 to 56 ms (10 to 50 %) to every cold init on a
   * full core, and 7 to 23 MB of RSS, before any error was logged; so the bundles carry no source map
   * and stack traces name the bundle's minified positions (`index.mjs:1:<column>`), which a rebuild of
   * the same commit with source maps resolves. The Powertools log level is a deployment setting; the
   * event is never logged (the HTTP handler's `logEvent: false`).
   */
  private lambda(
    id: string,
    options: {
      entry: string;
      handler: string;
      settings: DeploymentSettings;
      retention: RetentionDays;
      timeoutSeconds: number;
      memorySize: number;
      environment?: Record<string, string>;
    },
  ): LambdaFn {
    const { settings } = options;
    const logGroup = new LogGroup(this, `${id}-logs`, { retention: options.retention, removalPolicy: RemovalPolicy.DESTROY });
    const role = new Role(this, `${id}-role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn, `${logGroup.logGroupArn}:*`] }));
    const fn = new LambdaFn(this, `${id}-function`, {
      code: this.bundleOf(options.entry),
      handler: `${LAMBDA_ENTRY_FILE.replace(/\.mjs$/, '')}.${options.handler}`,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: options.memorySize,
      timeout: Duration.seconds(options.timeoutSeconds),
      tracing: Tracing.ACTIVE,
      role,
      logGroup,
      environment: {
        TABLE_NAME: this.table.tableName,
        ORG_CLAIM: settings.orgClaim,
        GROUPS_CLAIM: settings.groupsClaim,
        ADMIN_GROUP: settings.adminGroup,
        AUDITOR_GROUP: settings.auditorGroup,
        PLAN_TTL_SECONDS: String(settings.planTtlSeconds),
        JOB_TIMEOUT_SECONDS: String(JOB_TIMEOUT_SECONDS),
        POWERTOOLS_SERVICE_NAME: 'db-access',
        POWERTOOLS_LOG_LEVEL: settings.logLevel,
        ...options.environment,
      },
    });
    const logGroupId = Stack.of(this).getLogicalId(logGroup.node.defaultChild as CfnLogGroup);
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logGroupId}.Arn>:*]`,
      reason: "Log streams of this function's own log group: their names are made by Lambda at run time.",
    });
    Validations.of(role).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: 'X-Ray PutTraceSegments/PutTelemetryRecords support no resource ARN.' });
    Validations.of(fn).acknowledge({ id: 'AwsSolutions-L1', reason: 'Node.js 22 is the runtime the service is built and tested for (brief: NODEJS_22_X).' });
    return fn;
  }

  private readonly bundles = new Map<string, Code>();

  /**
   * The code of the functions built from one entry: infra/bundling.ts's minified ESM with its lazily
   * loaded chunks, built once per entry (the workflow's Tasks share one) by the local esbuild, so
   * synth needs no Docker. The pinned SDK v3 is bundled, not the runtime's: the version we test is the
   * one we run. The asset is named by a hash of the output.
   */
  private bundleOf(entry: string): Code {
    let code = this.bundles.get(entry);
    if (!code) {
      code = Code.fromAsset(dirname(entry), {
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          // Only used if local bundling could not run, which throws instead: there is no Docker here.
          image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs22.x'),
          // Part of CDK's bundling cache key: without it, every entry of a folder would get the first one's bundle.
          environment: { LAMBDA_ENTRY: basename(entry) },
          local: {
            tryBundle: (outputDir) => {
              buildLambdaBundle(entry, outputDir);
              return true;
            },
          },
        },
      });
      this.bundles.set(entry, code);
    }
    return code;
  }

  /**
   * The secrets key, to the functions that store secrets (GenerateDataKey) or reveal them (Decrypt),
   * with its ARN in their environment; no function may call kms:Encrypt or manage the key.
   */
  private grantSecrets(fn: LambdaFn, access: SecretsAccess): void {
    if (access === 'none') return;
    fn.addEnvironment('SECRETS_KMS_KEY_ARN', this.secretsKey.keyArn);
    this.secretsKey.grant(fn, 'kms:GenerateDataKey');
    if (access === 'sealAndOpen') this.secretsKey.grantDecrypt(fn);
  }

  /** The Data API on the configured clusters, and the cluster secrets it reads on the function's behalf. */
  private grantDataApi(fn: LambdaFn, settings: DeploymentSettings): void {
    fn.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['rds-data:ExecuteStatement', 'rds-data:BatchExecuteStatement', 'rds-data:BeginTransaction', 'rds-data:CommitTransaction', 'rds-data:RollbackTransaction'],
        resources: settings.clusterArns,
      }),
    );
    fn.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['secretsmanager:GetSecretValue'], resources: settings.clusterSecretArns }));
    this.acknowledgePatterns(fn, [...settings.clusterArns, ...settings.clusterSecretArns], 'Clusters are registered at run time; the cluster and secret ARN patterns are deployment settings (narrow them with -c clusterArns=... -c clusterSecretArns=...).');
  }

  private acknowledgePatterns(fn: LambdaFn, resources: string[], reason: string): void {
    for (const pattern of resources.filter((arn) => arn.includes('*'))) {
      if (fn.role) Validations.of(fn.role).acknowledge({ id: `AwsSolutions-IAM5[Resource::${pattern}]`, reason });
    }
  }

  /**
   * The DB role job workflow: the ASL document with its Task functions substituted, the catch-all
   * for executions that end without finishing their job, the RDS tag trigger, and an alarm.
   */
  private dbRoleJobs(settings: DeploymentSettings, retention: RetentionDays, jobsApi: LambdaFn): void {
    // The Tasks share one bundle, which builds the secrets sealer when it loads: each knows the key's ARN.
    const environment = { VAULT_ADDR: settings.vaultAddress, EVENT_BUS_NAME: 'default', SECRETS_KMS_KEY_ARN: this.secretsKey.keyArn };
    const tasks = Object.fromEntries(
      Object.entries(DBROLES_TASK_FUNCTIONS).map(([substitution, handler]) => {
        const fn = this.lambda(`dbroles-${handler}`, { entry: DBROLES_TASKS_ENTRY, handler, settings, retention, timeoutSeconds: 300, memorySize: MEMORY_MB.background, environment });
        this.table.grantReadWriteData(fn);
        return [substitution, fn] as const;
      }),
    ) as Record<keyof typeof DBROLES_TASK_FUNCTIONS, LambdaFn>;
    for (const task of DBROLES_DATA_API_TASKS) this.grantDataApi(tasks[task], settings);
    // Only LoginRole stores passwords (and opens older copies of them to replace them), and writes to Vault.
    this.grantSecrets(tasks.LoginRoleFunctionArn, 'sealAndOpen');
    if (settings.vaultTokenSecretArn) {
      tasks.LoginRoleFunctionArn.addEnvironment('VAULT_TOKEN_SECRET_ARN', settings.vaultTokenSecretArn);
      tasks.LoginRoleFunctionArn.addToRolePolicy(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [settings.vaultTokenSecretArn] }));
    }
    const bus = EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    bus.grantPutEventsTo(tasks.FinishJobFunctionArn);

    const workflowLogs = new LogGroup(this, 'dbroles-workflow-logs', { retention, removalPolicy: RemovalPolicy.DESTROY });
    const workflow = new StateMachine(this, 'DbRolesWorkflow', {
      definitionBody: DefinitionBody.fromFile(DBROLES_STATE_MACHINE),
      definitionSubstitutions: Object.fromEntries(Object.entries(tasks).map(([substitution, fn]) => [substitution, fn.functionArn])),
      // Errors only, and never the payloads: they name roles and databases, and nothing more is needed.
      logs: { destination: workflowLogs, level: LogLevel.ERROR, includeExecutionData: false },
      tracingEnabled: true,
    });
    for (const fn of Object.values(tasks)) fn.grantInvoke(workflow);
    this.workflow = workflow;
    Validations.of(workflow).acknowledge({
      id: 'AwsSolutions-SF1',
      reason: 'The workflow logs at ERROR without execution data on purpose: its payloads are not needed to operate it, and failures are also caught by the alarm and the execution-ended rule.',
    });
    Validations.of(workflow.role).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: 'X-Ray and CloudWatch Logs delivery actions support no resource ARN.' });
    for (const fn of Object.values(tasks)) {
      Validations.of(workflow.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(fn.node.defaultChild as CfnFunction)}.Arn>:*]`,
        reason: 'Invoking the Task functions, any version (CDK grantInvoke).',
      });
    }

    const ended = this.lambda('dbroles-executionEnded', { entry: DBROLES_EXECUTION_ENDED_ENTRY, handler: 'executionEnded', settings, retention, timeoutSeconds: 60, memorySize: MEMORY_MB.background });
    this.table.grantReadWriteData(ended);
    new Rule(this, 'DbRolesExecutionEnded', {
      description: 'Ends the job of a DB role workflow that failed, timed out or was aborted, and frees its database',
      eventPattern: executionEndedPattern(workflow.stateMachineArn) as EventPattern,
      targets: [new LambdaFunction(ended, { retryAttempts: 8 })],
    });

    const starterEnvironment = {
      STATE_MACHINE_ARN: workflow.stateMachineArn,
      VAULT_ADDR: settings.vaultAddress,
      TRIGGER_ORG_ID: settings.triggerOrgId,
      TRIGGER_TAG_KEY: settings.provisionTagKey,
      TRIGGER_TAG_VALUE: settings.provisionTagValue,
      TRIGGER_JOB_STEPS: settings.triggerJobSteps.join(','),
    };
    const trigger = this.lambda('dbroles-tag-trigger', { entry: TAG_TRIGGER_ENTRY, handler: 'handler', settings, retention, timeoutSeconds: 60, memorySize: MEMORY_MB.background, environment: starterEnvironment });
    this.table.grantReadWriteData(trigger);
    new Rule(this, 'ProvisionOnTag', {
      description: `Starts a DB role job when an RDS cluster or instance is tagged ${settings.provisionTagKey}=${settings.provisionTagValue}`,
      eventPattern: tagChangePattern(settings.provisionTagKey, settings.provisionTagValue) as EventPattern,
      targets: [new LambdaFunction(trigger, { retryAttempts: 4 })],
    });

    // How cdk-nag prints the workflow's executions (`execution:<state machine name>:*`) in a finding id.
    const machineName = JSON.stringify({ 'Fn::Select': [6, { 'Fn::Split': [':', { Ref: Stack.of(this).getLogicalId(workflow.node.defaultChild as CfnStateMachine) }] }] });
    for (const starter of [jobsApi, trigger]) {
      for (const [name, value] of Object.entries(starterEnvironment)) starter.addEnvironment(name, value);
      workflow.grantStartExecution(starter);
      // A job that finds its cluster locked asks whether the holder's execution still runs.
      workflow.grantExecution(starter, 'states:DescribeExecution');
      starter.addToRolePolicy(
        new PolicyStatement({
          actions: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters'],
          resources: [`arn:${this.partition}:rds:${this.region}:${this.account}:db:*`, `arn:${this.partition}:rds:${this.region}:${this.account}:cluster:*`],
        }),
      );
      if (starter.role) {
        Validations.of(starter.role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${machineName}:*]`,
          reason: 'Executions are named after job ids, unknown in advance; the grant covers only this workflow\'s executions, and only DescribeExecution.',
        });
        Validations.of(starter.role).acknowledge({
          id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:rds:<AWS::Region>:<AWS::AccountId>:db:*]',
          reason: 'Any instance of the account may be asked for by an admin or tagged; Describe is read-only.',
        });
        Validations.of(starter.role).acknowledge({
          id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:rds:<AWS::Region>:<AWS::AccountId>:cluster:*]',
          reason: 'Any cluster of the account may be asked for by an admin or tagged; Describe is read-only.',
        });
      }
    }

    new Alarm(this, 'DbRolesWorkflowFailures', {
      alarmDescription: 'A DB role job workflow failed, timed out or was aborted',
      metric: workflow.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  /** Each accepted cdk-nag finding, acknowledged where it arises, with its reason. */
  private suppressFindings(): void {
    const publicRoute = routes.find((route) => route.access === 'public');
    if (publicRoute) {
      Validations.of(this.node.findChild(`Route-${publicRoute.operationId}`)).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason: 'The OpenAPI document is public by design (API.md: no auth needed) and holds no data.',
      });
    }
  }
}
