import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { type CfnStage, HttpApi, HttpMethod, HttpNoneAuthorizer, HttpRoute, HttpRouteKey } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type CfnLogGroup, LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { TABLE_SCHEMA } from '../functions/commons/table';
import { type HandlerGroup, routes } from '../functions/routes';
import { LAMBDA_BUNDLING } from './bundling';
import { handlerEntry } from './handlers';
import type { DeploymentSettings } from './settings';

export interface DbAccessStackProps extends StackProps {
  settings: DeploymentSettings;
}

/** What each handler group may do with the table: nothing more. */
const TABLE_ACCESS: Record<HandlerGroup, 'none' | 'read' | 'readWrite'> = {
  openapi: 'none',
  resources: 'readWrite',
  provisioning: 'readWrite',
  sessions: 'read',
  dbroles: 'readWrite',
};

/** Handler groups that reach Aurora clusters through the RDS Data API. */
const DATA_API_GROUPS: ReadonlySet<HandlerGroup> = new Set(['provisioning']);

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
  readonly api: HttpApi;
  readonly functions: Partial<Record<HandlerGroup, NodejsFunction>> = {};

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

    const groups = [...new Set(routes.map((route) => route.group))];
    for (const group of groups) this.functions[group] = this.handlerFunction(group, settings, retention);

    const accessLogs = new LogGroup(this, 'ApiAccessLogs', { retention, removalPolicy: RemovalPolicy.DESTROY });
    this.api = new HttpApi(this, 'Api', { description: 'Database access provisioning API', createDefaultStage: true });
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
    this.suppressFindings();
  }

  private handlerFunction(group: HandlerGroup, settings: DeploymentSettings, retention: RetentionDays): NodejsFunction {
    const logGroup = new LogGroup(this, `${group}-logs`, { retention, removalPolicy: RemovalPolicy.DESTROY });
    // An explicit role with an inline logging policy on this function's own log group only.
    const role = new Role(this, `${group}-role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn, `${logGroup.logGroupArn}:*`] }));
    const fn = new NodejsFunction(this, `${group}-function`, {
      entry: handlerEntry(group),
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 1024,
      timeout: Duration.seconds(29),
      tracing: Tracing.ACTIVE,
      role,
      logGroup,
      environment: {
        TABLE_NAME: this.table.tableName,
        ORG_CLAIM: settings.orgClaim,
        GROUPS_CLAIM: settings.groupsClaim,
        PLAN_TTL_SECONDS: String(settings.planTtlSeconds),
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'db-access',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      },
      bundling: {
        format: OutputFormat.ESM,
        target: LAMBDA_BUNDLING.target,
        minify: LAMBDA_BUNDLING.minify,
        sourceMap: LAMBDA_BUNDLING.sourcemap,
        mainFields: [...LAMBDA_BUNDLING.mainFields],
        banner: LAMBDA_BUNDLING.banner,
        // The pinned SDK v3 is bundled, not the runtime's: the version we test is the one we run.
        externalModules: [],
      },
    });
    const logGroupId = Stack.of(this).getLogicalId(logGroup.node.defaultChild as CfnLogGroup);
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logGroupId}.Arn>:*]`,
      reason: 'Log streams of this function\'s own log group: their names are made by Lambda at run time.',
    });
    Validations.of(role).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason: 'X-Ray PutTraceSegments/PutTelemetryRecords support no resource ARN.' });
    Validations.of(fn).acknowledge({ id: 'AwsSolutions-L1', reason: 'Node.js 22 is the runtime the service is built and tested for (brief: NODEJS_22_X).' });
    const access = TABLE_ACCESS[group];
    if (access === 'read') this.table.grantReadData(fn);
    if (access === 'readWrite') this.table.grantReadWriteData(fn);
    if (DATA_API_GROUPS.has(group)) {
      fn.addToRolePolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['rds-data:ExecuteStatement', 'rds-data:BatchExecuteStatement', 'rds-data:BeginTransaction', 'rds-data:CommitTransaction', 'rds-data:RollbackTransaction'],
          resources: settings.clusterArns,
        }),
      );
      fn.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['secretsmanager:GetSecretValue'], resources: settings.clusterSecretArns }));
      for (const pattern of [...settings.clusterArns, ...settings.clusterSecretArns].filter((arn) => arn.includes('*'))) {
        Validations.of(role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${pattern}]`,
          reason: 'Resources are registered at run time; the cluster and secret ARN patterns are deployment settings (narrow them with -c clusterArns=... -c clusterSecretArns=...).',
        });
      }
    }
    return fn;
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
