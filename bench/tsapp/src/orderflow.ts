// The order flow (app.go and stacks/) in TypeScript: the same two stacks,
// resources, props, grants, suppressions and outputs, for make bench's
// comparison with the Go app.
import * as cdk from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { Construct, IConstruct } from 'constructs';
import {
  addChecks, AlarmTopic, BucketTrigger, EventBus, EventRule, GoFunction, HttpApi, QueueWorker, Route,
  ScheduledFunction, StreamConsumer, suppress,
} from './lib';

// internal/orders, internal/orderevents, internal/metrics: names the
// functions read.
const PENDING_INDEX = 'pendingByShard'; // partition key pendingShard (N), sort key createdAt
const LEGACY_STATUS_INDEX = 'byStatus'; // partition key status (S), sort key createdAt
const ORDER_EVENTS_SOURCE = 'orderflow.kitchen';
const ORDER_READY = 'OrderReady';

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
  legacyStatusIndex: boolean;
  apiReservedConcurrency?: number; // none: the account's unreserved pool
  kitchenMaxConcurrency: number;
  publisherParallelization: number;
}

function configFor(stage: string): Config {
  const dev: Config = {
    stage, deletionProtection: false, logRetention: logs.RetentionDays.TWO_WEEKS, staleAfter: '15m0s',
    apiRateLimit: 20, apiBurstLimit: 40, destroyData: false, logLevel: lambda.ApplicationLogLevel.DEBUG,
    legacyStatusIndex: false, kitchenMaxConcurrency: 60, publisherParallelization: 2,
  };
  if (stage !== 'prod') return dev;
  return {
    ...dev, deletionProtection: true, logRetention: logs.RetentionDays.ONE_YEAR, apiRateLimit: 5000,
    apiBurstLimit: 2500, logLevel: lambda.ApplicationLogLevel.INFO, apiReservedConcurrency: 100,
  };
}

// configForContext: "dev", "prod", or a throwaway stage configured like dev;
// destroyData "true" for throwaway stages only.
function configForContext(stage: string, destroyData: string): Config {
  if (stage !== 'dev' && stage !== 'prod' && !/^[a-z][a-z0-9-]{0,19}$/.test(stage)) {
    throw new Error(`stacks: stage "${stage}" is not a valid stage name`);
  }
  const cfg = configFor(stage);
  switch (destroyData) {
    case '': case 'false': break;
    case 'true':
      if (stage === 'prod') throw new Error(`stacks: destroyData=true is refused for stage "${stage}": its data is retained`);
      cfg.destroyData = true;
      break;
    default: throw new Error(`stacks: destroyData "${destroyData}" is not true or false`);
  }
  return cfg;
}

function boolContext(app: cdk.App, key: string): boolean {
  const v = app.node.tryGetContext(key);
  if (v === undefined || v === '' || String(v) === 'false') return false;
  if (String(v) === 'true') return true;
  throw new Error(`stacks: ${key} "${v}" is not true or false`);
}

function removalPolicy(cfg: Config) {
  return cfg.destroyData ? cdk.RemovalPolicy.DESTROY : cdk.RemovalPolicy.RETAIN;
}

// stacks/environment.go: the stage's account and region from context only
// (stages.<stage>.account and .region); none: environment-agnostic stacks.
function environmentFor(stage: string, context: Record<string, unknown>): cdk.Environment | undefined {
  const prefix = `stages.${stage}.`;
  let account: string | undefined;
  let region: string | undefined;
  for (const [key, v] of Object.entries(context)) {
    if (!key.startsWith(prefix)) continue;
    if (v !== undefined && v !== null && typeof v !== 'string') throw new Error(`stacks: ${key}: ${v} is not a string`);
    const field = key.slice(prefix.length);
    if (field === 'account' && v) {
      if (!/^[0-9]{12}$/.test(v)) throw new Error(`stacks: ${key}: "${v}" is not a 12-digit AWS account ID`);
      account = v;
    } else if (field === 'region' && v) {
      if (!/^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$/.test(v)) throw new Error(`stacks: ${key}: "${v}" is not an AWS region (e.g. eu-west-1)`);
      region = v;
    } else if (field !== 'account' && field !== 'region') {
      throw new Error(`stacks: ${key}: unknown field "${field}"`);
    }
  }
  return account || region ? { account, region } : undefined;
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
  // The sparse pending index: only PENDING orders carry pendingShard (one of
  // 64 numbers derived from the order ID).
  table.addGlobalSecondaryIndex({
    indexName: PENDING_INDEX,
    partitionKey: { name: 'pendingShard', type: dynamodb.AttributeType.NUMBER },
    sortKey: { name: 'createdAt', type: dynamodb.AttributeType.STRING },
    projectionType: dynamodb.ProjectionType.KEYS_ONLY,
  });
  // -c legacyStatusIndex=true: the release that moves a deployment from the
  // status index to the pending index keeps both.
  if (cfg.legacyStatusIndex) {
    table.addGlobalSecondaryIndex({
      indexName: LEGACY_STATUS_INDEX,
      partitionKey: { name: 'status', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'createdAt', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
    });
  }
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

const FUNCTION_NAMES = ['api', 'publisher', 'kitchen', 'importer', 'sweeper', 'notifier'];

type NewFunction = (name: string, timeoutSeconds: number, environment: Record<string, string>) => GoFunction;

// stacks/service.go
function serviceStack(scope: Construct, cfg: Config, env: cdk.Environment | undefined, table: dynamodb.ITable, bucket: s3.IBucket) {
  const stack = new cdk.Stack(scope, stackName(cfg.stage, 'Service'), {
    env, description: `Order flow functions, API, queues and schedule (${cfg.stage})`,
  });
  const fns: Record<string, GoFunction> = {};
  const alarms = new AlarmTopic(stack, 'Alarms', `OrderFlow ${cfg.stage} alarms`);
  const action = alarms.action;
  const fn: NewFunction = (name, timeoutSeconds, environment) => {
    environment.ORDERFLOW_STAGE = cfg.stage;
    const f = new GoFunction(stack, titled(name), {
      entry: 'functions/' + name,
      timeout: cdk.Duration.seconds(timeoutSeconds),
      environment,
      logRetention: cfg.logRetention,
      logRemovalPolicy: removalPolicy(cfg),
      applicationLogLevel: cfg.logLevel,
      alarmAction: action,
    });
    fns[name] = f;
    return f;
  };

  const api = fn('api', 10, { ORDERS_TABLE_NAME: table.tableName });
  grantTable(api, table, 'dynamodb:PutItem', 'dynamodb:GetItem');
  if (cfg.apiReservedConcurrency) {
    (api.function.node.defaultChild as lambda.CfnFunction).reservedConcurrentExecutions = cfg.apiReservedConcurrency;
  }
  const httpApi = new HttpApi(stack, 'Http', {
    description: `Order API (${cfg.stage})`,
    throttlingRateLimit: cfg.apiRateLimit,
    throttlingBurstLimit: cfg.apiBurstLimit,
    accessLogRetention: cfg.logRetention,
    accessLogRemovalPolicy: removalPolicy(cfg),
    alarmAction: action,
  });
  const auth = new HttpIamAuthorizer();
  for (const p of ['/orders', '/orders/{id}']) {
    new Route(stack, 'Route ' + p, { api: httpApi.api, path: p, methods: [HttpMethod.ANY], function: api.function, authorizer: auth });
  }

  const kitchen = fn('kitchen', 10, { ORDERS_TABLE_NAME: table.tableName });
  grantTable(kitchen, table, 'dynamodb:UpdateItem');
  const kitchenQueue = new QueueWorker(stack, 'KitchenQueue', {
    function: kitchen.function, maxConcurrency: cfg.kitchenMaxConcurrency, alarmAction: action,
  });

  const publisher = fn('publisher', 30, { KITCHEN_QUEUE_URL: kitchenQueue.queue.queueUrl });
  kitchenQueue.queue.grant(publisher.function, 'sqs:SendMessage');
  const ordersStream = new StreamConsumer(stack, 'OrdersStream', {
    table,
    function: publisher.function,
    filters: [lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.isEqual('INSERT') })],
    parallelizationFactor: cfg.publisherParallelization,
    alarmAction: action,
  });

  const importer = fn('importer', 120, { ORDERS_TABLE_NAME: table.tableName, UPLOADS_BUCKET_NAME: bucket.bucketName });
  importer.role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['s3:GetObject', 's3:GetObjectVersion'],
    resources: [bucket.arnForObjects('incoming/*')],
  }));
  importer.role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['s3:PutObject'],
    resources: [bucket.arnForObjects('reports/*')],
  }));
  grantTable(importer, table, 'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem');
  suppress(importer.role.node.findChild('DefaultPolicy'), 'AwsSolutions-IAM5',
    'Object ARNs under the prefixes the importer reads (incoming/) and writes (reports/): object keys are not known in advance.',
    { regex: `/^Resource::.*${logicalIdOf(bucket)}.*/incoming/\\*$/` }, { regex: `/^Resource::.*${logicalIdOf(bucket)}.*/reports/\\*$/` });
  const incoming = new BucketTrigger(stack, 'Incoming', { bucket, function: importer.function, prefix: 'incoming/', alarmAction: action });

  const sweeper = fn('sweeper', 60, {
    ORDERS_TABLE_NAME: table.tableName,
    ORDERS_PENDING_INDEX_NAME: PENDING_INDEX,
    KITCHEN_QUEUE_URL: kitchenQueue.queue.queueUrl,
    STALE_AFTER: cfg.staleAfter,
  });
  sweeper.role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: ['dynamodb:Query'],
    resources: [table.tableArn + '/index/' + PENDING_INDEX],
  }));
  grantTable(sweeper, table, 'dynamodb:UpdateItem');
  kitchenQueue.queue.grant(sweeper.function, 'sqs:SendMessage');
  const sweepSchedule = new ScheduledFunction(stack, 'SweepSchedule', {
    function: sweeper.function,
    schedule: events.Schedule.rate(cdk.Duration.minutes(5)),
    description: 'Resend orders stuck in PENDING to the kitchen',
    alarmAction: action,
  });

  const orderEvents = newOrderEvents(stack, cfg.stage, kitchen, fn, action);

  const dashboard = newDashboard(stack, cfg.stage, fns, httpApi, kitchenQueue,
    { kitchen: kitchenQueue.deadLetterQueue, publisher: ordersStream.deadLetterQueue, importer: incoming.deadLetterQueue,
      sweeper: sweepSchedule.deadLetterQueue, notifier: orderEvents.deadLetterQueue },
    [...httpApi.alarms, ...kitchenQueue.alarms, ...ordersStream.alarms, ...incoming.alarms, ...sweepSchedule.alarms, ...orderEvents.alarms]);
  new cdk.CfnOutput(stack, 'ApiUrl', { value: httpApi.api.apiEndpoint });
  new cdk.CfnOutput(stack, 'AlarmTopicArn', {
    value: alarms.topic.topicArn,
    description: "SNS topic of the stage's alarms: subscribe to it",
  });
  new cdk.CfnOutput(stack, 'DashboardName', { value: dashboard.dashboardName });
}

// stacks/events.go: kitchen --PutEvents--> orders bus (archived 14 days)
// --rule OrderReady--> notifier --Publish--> notifications topic.
function newOrderEvents(stack: cdk.Stack, stage: string, kitchen: GoFunction, fn: NewFunction, action: cloudwatch.IAlarmAction) {
  const scope = new Construct(stack, 'OrderEvents');
  const bus = new EventBus(scope, 'Orders', {
    description: `Order flow domain events (${stage})`,
    archiveRetention: cdk.Duration.days(14),
  });
  kitchen.function.addEnvironment('ORDER_EVENTS_BUS_NAME', bus.bus.eventBusName);
  bus.bus.grantPutEventsTo(kitchen.function);

  // The AWS managed key of SNS: the notifier, in this account, needs no key grant.
  const topic = new sns.Topic(scope, 'Notifications', {
    displayName: `OrderFlow ${stage}`,
    masterKey: kms.Alias.fromAliasName(scope, 'SnsManagedKey', 'alias/aws/sns'),
    enforceSSL: true,
    signatureVersion: '2',
  });
  const notifier = fn('notifier', 10, { NOTIFICATIONS_TOPIC_ARN: topic.topicArn });
  // Not topic.grantPublish: it would add kms actions on every alias/aws/sns key.
  iam.Grant.addToPrincipal({ grantee: notifier.function, actions: ['sns:Publish'], resourceArns: [topic.topicArn] });

  const rule = new EventRule(scope, 'OrderReady', {
    eventBus: bus.bus,
    description: "The kitchen's OrderReady events to the notifier",
    eventPattern: { source: [ORDER_EVENTS_SOURCE], detailType: [ORDER_READY] },
    function: notifier.function,
    alarmAction: action,
  });
  return {
    deadLetterQueue: rule.deadLetterQueue,
    alarms: [rule.failedInvocationsAlarm, rule.deadLetterQueueAlarm],
  };
}

// stacks/dashboard.go
function newDashboard(stack: cdk.Stack, stage: string, fns: Record<string, GoFunction>, httpApi: HttpApi, kitchen: QueueWorker,
  dlqs: Record<'kitchen' | 'publisher' | 'importer' | 'sweeper' | 'notifier', sqs.IQueue>, sourceAlarms: cloudwatch.Alarm[]) {
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
      graph('Dead-letter queue depths', 6, ...Object.entries(dlqs).map(([label, q]) => dlqDepth(q, label))),
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

// app.go: -c stage (default dev), -c destroyData, -c legacyStatusIndex; the
// environment from context only, never from the machine (CDK_DEFAULT_*).
const app = new cdk.App();
const stage = (app.node.tryGetContext('stage') as string | undefined) || 'dev';
const destroyData = app.node.tryGetContext('destroyData');
const cfg = configForContext(stage, destroyData === undefined ? '' : String(destroyData));
cfg.legacyStatusIndex = boolContext(app, 'legacyStatusIndex');
const env = environmentFor(stage, app.node.getAllContext());
const stateful = statefulStack(app, cfg, env);
serviceStack(app, cfg, env, stateful.table, stateful.bucket);
addChecks(app);
app.synth();
