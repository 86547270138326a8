// The order flow (app.go and stacks/) in TypeScript: the same two stacks,
// resources, props, grants, suppressions and outputs, for make bench's
// comparison with the Go app.
import * as cdk from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { Construct, IConstruct } from 'constructs';
import {
  addChecks, AlarmTopic, BucketTrigger, environment, GoFunction, HttpApi, newRoute, QueueWorker, ScheduledFunction,
  StreamConsumer, suppress,
} from './lib';

// stacks/config.go
interface Config {
  stage: string;
  deletionProtection: boolean;
  logRetention: logs.RetentionDays;
  staleAfter: string; // Go's time.Duration.String() of the Go config
  apiRateLimit: number;
  apiBurstLimit: number;
  destroyData: boolean;
  logLevel: lambda.ApplicationLogLevel;
}

function configFor(stage: string, destroyData: string): Config {
  const dev: Config = {
    stage, deletionProtection: false, logRetention: logs.RetentionDays.TWO_WEEKS, staleAfter: '15m0s',
    apiRateLimit: 20, apiBurstLimit: 40, destroyData: false, logLevel: lambda.ApplicationLogLevel.DEBUG,
  };
  const cfg: Config = stage === 'prod' ? {
    ...dev, deletionProtection: true, logRetention: logs.RetentionDays.THREE_MONTHS, apiRateLimit: 200,
    apiBurstLimit: 400, logLevel: lambda.ApplicationLogLevel.INFO,
  } : dev;
  if (destroyData === 'true') {
    if (stage === 'prod') throw new Error(`stacks: destroyData=true is refused for stage "${stage}": its data is retained`);
    cfg.destroyData = true;
  }
  return cfg;
}

function removalPolicy(cfg: Config) {
  return cfg.destroyData ? cdk.RemovalPolicy.DESTROY : cdk.RemovalPolicy.RETAIN;
}

const stackName = (stage: string, part: string) => `OrderFlow-${stage}-${part}`;

// stacks/stateful.go
function statefulStack(scope: Construct, cfg: Config, env: cdk.Environment | undefined) {
  const stack = new cdk.Stack(scope, stackName(cfg.stage, 'Stateful'), {
    env, description: `Order flow data: Orders table, Uploads bucket (${cfg.stage})`, terminationProtection: cfg.deletionProtection,
  });
  const table = new dynamodb.Table(stack, 'Orders', {
    partitionKey: { name: 'orderId', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    deletionProtection: cfg.deletionProtection,
    removalPolicy: removalPolicy(cfg),
  });
  table.addGlobalSecondaryIndex({
    indexName: 'byStatus',
    partitionKey: { name: 'status', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'createdAt', type: dynamodb.AttributeType.STRING },
    projectionType: dynamodb.ProjectionType.KEYS_ONLY,
  });
  const accessLogs = new s3.Bucket(stack, 'AccessLogs', {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy: removalPolicy(cfg),
    lifecycleRules: [{ id: 'ExpireAccessLogs', expiration: cdk.Duration.days(365) }],
  });
  const bucket = new s3.Bucket(stack, 'Uploads', {
    serverAccessLogsBucket: accessLogs,
    serverAccessLogsPrefix: 'uploads/',
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    versioned: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy: removalPolicy(cfg),
    lifecycleRules: [{
      id: 'TidyVersionsAndUploads',
      noncurrentVersionExpiration: cdk.Duration.days(90),
      abortIncompleteMultipartUploadAfter: cdk.Duration.days(7),
    }],
  });
  (bucket.node.defaultChild as s3.CfnBucket).addPropertyOverride('NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled', true);
  return { stack, table, bucket };
}

const titled = (name: string) => name[0].toUpperCase() + name.slice(1);

function logicalIdOf(r: IConstruct): string {
  return cdk.Stack.of(r).getLogicalId(r.node.defaultChild as cdk.CfnElement);
}

function grantTable(f: GoFunction, table: dynamodb.ITable, ...actions: string[]) {
  iam.Grant.addToPrincipal({ grantee: f.function, actions, resourceArns: [table.tableArn] });
}

const FUNCTION_NAMES = ['api', 'publisher', 'kitchen', 'importer', 'sweeper'];

// stacks/service.go
function serviceStack(scope: Construct, cfg: Config, env: cdk.Environment | undefined, table: dynamodb.ITable, bucket: s3.IBucket) {
  const stack = new cdk.Stack(scope, stackName(cfg.stage, 'Service'), {
    env, description: `Order flow functions, API, queues and schedule (${cfg.stage})`,
  });
  const fns: Record<string, GoFunction> = {};
  const alarms = new AlarmTopic(stack, 'Alarms', `OrderFlow ${cfg.stage} alarms`);
  const action = alarms.action;
  const fn = (name: string, timeoutSeconds: number, environment: Record<string, string>) => {
    environment.ORDERFLOW_STAGE = cfg.stage;
    const f = new GoFunction(stack, titled(name), {
      entry: 'functions/' + name,
      timeout: cdk.Duration.seconds(timeoutSeconds),
      environment,
      logRetention: cfg.logRetention,
      applicationLogLevel: cfg.logLevel,
      alarmAction: action,
    });
    fns[name] = f;
    return f;
  };

  const api = fn('api', 10, { ORDERS_TABLE_NAME: table.tableName });
  grantTable(api, table, 'dynamodb:PutItem', 'dynamodb:GetItem');
  const httpApi = new HttpApi(stack, 'Http', {
    description: `Order API (${cfg.stage})`,
    throttlingRateLimit: cfg.apiRateLimit,
    throttlingBurstLimit: cfg.apiBurstLimit,
    accessLogRetention: cfg.logRetention,
    alarmAction: action,
  });
  const auth = new HttpIamAuthorizer();
  for (const p of ['/orders', '/orders/{id}']) {
    newRoute('Route ' + p, httpApi.api, p, api.function, auth);
  }

  const kitchen = fn('kitchen', 10, { ORDERS_TABLE_NAME: table.tableName });
  grantTable(kitchen, table, 'dynamodb:UpdateItem');
  const kitchenQueue = new QueueWorker(stack, 'KitchenQueue', kitchen.function, action);

  const publisher = fn('publisher', 30, { KITCHEN_QUEUE_URL: kitchenQueue.queue.queueUrl });
  kitchenQueue.queue.grant(publisher.function, 'sqs:SendMessage');
  const ordersStream = new StreamConsumer(stack, 'OrdersStream', table, publisher.function,
    [lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.isEqual('INSERT') })], action);

  const importer = fn('importer', 120, { ORDERS_TABLE_NAME: table.tableName, UPLOADS_BUCKET_NAME: bucket.bucketName });
  importer.role.addToPolicy(new iam.PolicyStatement({
    actions: ['s3:GetObject', 's3:GetObjectVersion'],
    resources: [bucket.arnForObjects('incoming/*')],
  }));
  importer.role.addToPolicy(new iam.PolicyStatement({
    actions: ['s3:PutObject'],
    resources: [bucket.arnForObjects('reports/*')],
  }));
  grantTable(importer, table, 'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem');
  suppress(importer.role.node.findChild('DefaultPolicy'), 'AwsSolutions-IAM5',
    'Object ARNs under the prefixes the importer reads (incoming/) and writes (reports/): object keys are not known in advance.',
    { regex: `/^Resource::.*${logicalIdOf(bucket)}.*/incoming/\\*$/` }, { regex: `/^Resource::.*${logicalIdOf(bucket)}.*/reports/\\*$/` });
  const incoming = new BucketTrigger(stack, 'Incoming', bucket, importer.function, 'incoming/', action);

  const sweeper = fn('sweeper', 60, {
    ORDERS_TABLE_NAME: table.tableName,
    ORDERS_STATUS_INDEX_NAME: 'byStatus',
    KITCHEN_QUEUE_URL: kitchenQueue.queue.queueUrl,
    STALE_AFTER: cfg.staleAfter,
  });
  sweeper.role.addToPolicy(new iam.PolicyStatement({
    actions: ['dynamodb:Query'],
    resources: [table.tableArn + '/index/byStatus'],
  }));
  grantTable(sweeper, table, 'dynamodb:UpdateItem');
  kitchenQueue.queue.grant(sweeper.function, 'sqs:SendMessage');
  const sweepSchedule = new ScheduledFunction(stack, 'SweepSchedule', sweeper.function,
    events.Schedule.rate(cdk.Duration.minutes(5)), 'Resend orders stuck in PENDING to the kitchen', action);

  const dashboard = newDashboard(stack, cfg.stage, fns, httpApi, kitchenQueue,
    [ordersStream.deadLetterQueue, incoming.deadLetterQueue, sweepSchedule.deadLetterQueue],
    [...httpApi.alarms, ...kitchenQueue.alarms, ...ordersStream.alarms, ...incoming.alarms, ...sweepSchedule.alarms]);
  new cdk.CfnOutput(stack, 'ApiUrl', { value: httpApi.api.apiEndpoint });
  new cdk.CfnOutput(stack, 'AlarmTopicArn', {
    value: alarms.topic.topicArn,
    description: "SNS topic of the stage's alarms: subscribe to it",
  });
  new cdk.CfnOutput(stack, 'DashboardName', { value: dashboard.dashboardName });
}

// stacks/dashboard.go
function newDashboard(stack: cdk.Stack, stage: string, fns: Record<string, GoFunction>, httpApi: HttpApi, kitchen: QueueWorker,
  dlqs: sqs.IQueue[], sourceAlarms: cloudwatch.Alarm[]) {
  const period = cdk.Duration.minutes(5);
  const opts = (statistic: string, label: string) => ({ statistic, label, period });
  const graph = (title: string, width: number, ...left: cloudwatch.IMetric[]) => new cloudwatch.GraphWidget({ title, width, height: 6, left });
  const perFunction = (metric: (name: string) => cloudwatch.IMetric) => FUNCTION_NAMES.map(metric);
  const business = (name: string, service: string) => new cloudwatch.Metric({
    namespace: 'OrderFlow', metricName: name, dimensionsMap: { Service: service, Stage: stage },
    statistic: 'Sum', label: service, period,
  });
  const dlqDepth = (q: sqs.IQueue, label: string) => q.metricApproximateNumberOfMessagesVisible(opts('Maximum', label));
  const api = httpApi.api;
  const alarms: cloudwatch.IAlarm[] = [];
  for (const name of FUNCTION_NAMES) alarms.push(...fns[name].alarms);
  alarms.push(...sourceAlarms);
  const [publisherDLQ, importerDLQ, sweeperDLQ] = dlqs;
  const rows: cloudwatch.IWidget[][] = [
    [
      graph('API requests', 8, api.metricCount(opts('Sum', 'requests'))),
      graph('API errors', 8, api.metricClientError(opts('Sum', '4xx')), api.metricServerError(opts('Sum', '5xx'))),
      graph('API latency (ms)', 8, api.metricLatency(opts('p50', 'p50')), api.metricLatency(opts('p99', 'p99')),
        api.metricIntegrationLatency(opts('p99', 'integration p99'))),
    ],
    [
      graph('Invocations', 8, ...perFunction(n => fns[n].function.metricInvocations(opts('Sum', n)))),
      graph('Errors', 8, ...perFunction(n => fns[n].function.metricErrors(opts('Sum', n)))),
      graph('Duration p99 (ms)', 8, ...perFunction(n => fns[n].function.metricDuration(opts('p99', n)))),
    ],
    [
      graph('Kitchen queue depth', 6,
        kitchen.queue.metricApproximateNumberOfMessagesVisible(opts('Maximum', 'visible')),
        kitchen.queue.metricApproximateNumberOfMessagesNotVisible(opts('Maximum', 'in flight'))),
      graph('Kitchen queue oldest message (s)', 6, kitchen.queue.metricApproximateAgeOfOldestMessage(opts('Maximum', 'age'))),
      graph('Dead-letter queue depths', 6,
        dlqDepth(kitchen.deadLetterQueue, 'kitchen'), dlqDepth(publisherDLQ, 'publisher'),
        dlqDepth(importerDLQ, 'importer'), dlqDepth(sweeperDLQ, 'sweeper')),
      graph('Stream iterator age (ms)', 6, fns.publisher.function.metric('IteratorAge', opts('Maximum', 'publisher'))),
    ],
    [
      graph('Orders created', 6, business('OrdersCreated', 'api'), business('OrdersCreated', 'importer')),
      graph('Orders prepared', 6, business('OrdersPrepared', 'kitchen')),
      graph('Stale orders resent', 6, business('StaleOrdersResent', 'sweeper')),
      graph('Import rows rejected', 6, business('ImportRowsRejected', 'importer')),
    ],
    [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms, width: 24 })],
  ];
  return new cloudwatch.Dashboard(stack, 'Dashboard', { widgets: rows });
}

// app.go
const app = new cdk.App();
const stage = (app.node.tryGetContext('stage') as string | undefined) || 'dev';
const destroyData = app.node.tryGetContext('destroyData');
const cfg = configFor(stage, destroyData === undefined ? '' : String(destroyData));
const env = environment();
const stateful = statefulStack(app, cfg, env);
serviceStack(app, cfg, env, stateful.table, stateful.bucket);
addChecks(app);
app.synth();
