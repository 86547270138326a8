// The constructs of the Go app (constructs/*), written in TypeScript with
// the same construct IDs, L2 constructs, props and cdk-nag suppressions, so
// that both apps synthesize the same templates (make bench checks it, asset
// hashes aside). Prop validation, which the Go constructs do at synth, is
// left out: the benchmark passes valid props. So are the props the order
// flow never sets (imported queues, key filters by suffix, CORS, ...): each
// construct here takes what the app gives it and applies the Go defaults.
//
// Function code: the Go app builds each function during synth, keyed by a
// hash of its sources. Here every function is already built (the benchmark
// copies the Go app's assets) and its hash is given (ORDERFLOW_TS_ASSETS):
// the best case for TypeScript, which computes nothing and builds nothing.
import * as fs from 'fs';
import * as path from 'path';
import * as cdk from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwactions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as eventsources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as integrations from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, IConstruct } from 'constructs';
import { AwsSolutionsChecks, NagSuppressions, ServerlessChecks } from 'cdk-nag';

// ---- constructs/internal/nag ----

export function suppress(scope: IConstruct, rule: string, reason: string, ...appliesTo: (string | { regex: string })[]) {
  const target = scope.node.defaultChild ?? scope;
  NagSuppressions.addResourceSuppressions(target, [{ id: rule, reason, ...(appliesTo.length > 0 ? { appliesTo } : {}) }], false);
}

export function defaultPolicy(role: IConstruct | undefined): IConstruct | undefined {
  return role?.node.tryFindChild('DefaultPolicy');
}

export function notAsyncInvoked(fn: IConstruct, how: string) {
  suppress(fn, 'Serverless-LambdaDLQ', 'Not invoked asynchronously: ' + how + '.');
}

function asyncFailureDestination(fn: IConstruct) {
  suppress(fn, 'Serverless-LambdaDLQ', 'Asynchronous invocation failures go to an on-failure destination (AWS::Lambda::EventInvokeConfig), the successor of DeadLetterConfig.');
}

// stacks/checks.go
export function addChecks(scope: IConstruct) {
  cdk.Aspects.of(scope).add(new AwsSolutionsChecks({ verbose: true }));
  cdk.Aspects.of(scope).add(new ServerlessChecks({ verbose: true }));
}

// ---- constructs/eventsource ----

interface AlarmSpec {
  metric: cloudwatch.Metric;
  threshold?: number;
  missing?: cloudwatch.TreatMissingData;
  description: string;
}

// newAlarm: one 5-minute period, one datapoint over the threshold to alarm,
// the construct path in the description, the action told on ALARM and OK.
export function newAlarm(scope: Construct, id: string, s: AlarmSpec, action?: cloudwatch.IAlarmAction): cloudwatch.Alarm {
  const a = new cloudwatch.Alarm(scope, id, {
    metric: s.metric.with({ period: cdk.Duration.minutes(5) }),
    threshold: s.threshold ?? 0,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissingData: s.missing ?? cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: scope.node.path + ': ' + s.description,
  });
  if (action) {
    a.addAlarmAction(action);
    a.addOkAction(action);
  }
  return a;
}

function deadLetterQueueAlarm(scope: Construct, q: sqs.IQueue, action?: cloudwatch.IAlarmAction) {
  return newAlarm(scope, 'DeadLetterQueueAlarm', {
    metric: q.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' }),
    missing: cloudwatch.TreatMissingData.IGNORE,
    description: 'the dead-letter queue holds messages: work that failed for good. Inspect them, fix the cause, redrive them.',
  }, action);
}

// newDeadLetterQueue: SSE-SQS, TLS only, 14 days; not the target of a
// redrive policy (a destination of Lambda, of a mapping, of EventBridge).
function newDeadLetterQueue(scope: Construct, id: string): sqs.Queue {
  const q = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: cdk.Duration.days(14),
  });
  suppress(q, 'Serverless-SQSRedrivePolicy', 'This queue is a dead-letter queue; messages that land here are inspected and redriven by an operator.');
  suppress(q, 'AwsSolutions-SQS3', 'This queue is a dead-letter queue (failure destination of a Lambda invocation, an event source mapping, an EventBridge target or an SNS subscription), which cdk-nag only recognises through SQS redrive policies.');
  return q;
}

// configureAsyncInvoke: up to 2 retries while the event is younger than
// maxEventAge, then onFailure.
function configureAsyncInvoke(fn: lambda.Function, maxEventAge: cdk.Duration, onFailure: sqs.IQueue) {
  fn.configureAsyncInvoke({ retryAttempts: 2, maxEventAge, onFailure: new destinations.SqsDestination(onFailure) });
  asyncFailureDestination(fn);
}

// ---- constructs/gofunction ----

interface BuiltAsset { hash: string; dir: string }
let builtAssets: Record<string, BuiltAsset> | undefined;

function built(entry: string): BuiltAsset {
  if (!builtAssets) {
    const file = process.env.ORDERFLOW_TS_ASSETS;
    if (!file) throw new Error('ORDERFLOW_TS_ASSETS names no file of built assets');
    builtAssets = JSON.parse(fs.readFileSync(file, 'utf-8')) as Record<string, BuiltAsset>;
  }
  const b = builtAssets[entry];
  if (!b) throw new Error(`no built asset for ${entry} in ${process.env.ORDERFLOW_TS_ASSETS}`);
  return b;
}

export interface GoFunctionProps {
  entry: string;
  /** Default: 10 seconds. */
  timeout?: cdk.Duration;
  environment?: Record<string, string>;
  /** Default: one month. */
  logRetention?: logs.RetentionDays;
  /** Default: RETAIN (logs outlive the stack). */
  logRemovalPolicy?: cdk.RemovalPolicy;
  /** Default: INFO. */
  applicationLogLevel?: lambda.ApplicationLogLevel;
  alarmAction?: cloudwatch.IAlarmAction;
}

export class GoFunction {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly asset: s3assets.Asset;
  readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: GoFunctionProps) {
    const timeout = props.timeout ?? cdk.Duration.seconds(10);
    const c = new Construct(scope, id);
    const role = new iam.Role(c, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${c.node.path}`,
    });
    const logGroup = new logs.LogGroup(c, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? cdk.RemovalPolicy.RETAIN,
    });
    logGroup.grantWrite(role);
    const b = built(props.entry);
    const asset = new s3assets.Asset(c, 'Code', {
      path: path.join(process.env.ORDERFLOW_TS_SOURCE ?? '.', props.entry),
      assetHash: b.hash,
      assetHashType: cdk.AssetHashType.CUSTOM,
      bundling: {
        local: {
          tryBundle(outputDir: string): boolean {
            fs.copyFileSync(path.join(b.dir, 'bootstrap'), path.join(outputDir, 'bootstrap'));
            fs.chmodSync(path.join(outputDir, 'bootstrap'), 0o755);
            return true;
          },
        },
        outputType: cdk.BundlingOutput.NOT_ARCHIVED,
        image: cdk.DockerImage.fromRegistry('public.ecr.aws/docker/library/golang:1'),
      },
    });
    const fn = new lambda.Function(c, 'Function', {
      runtime: lambda.Runtime.PROVIDED_AL2023,
      handler: 'bootstrap',
      architecture: lambda.Architecture.ARM_64,
      code: lambda.Code.fromBucketV2(asset.bucket, asset.s3ObjectKey),
      memorySize: 256,
      timeout,
      ephemeralStorageSize: cdk.Size.mebibytes(512),
      environment: props.environment,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: props.applicationLogLevel ?? lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      tracing: lambda.Tracing.ACTIVE,
    });
    cdk.Annotations.of(c).acknowledgeWarning('@aws-cdk/aws-lambda:codeFromBucketObjectVersionNotSpecified',
      'the S3 key of a gofunction asset is its content hash');
    asset.addResourceMetadata(fn.node.defaultChild as cdk.CfnResource, 'Code');
    suppress(defaultPolicy(role)!, 'AwsSolutions-IAM5', 'xray:PutTraceSegments and xray:PutTelemetryRecords support no resource narrower than "*" (X-Ray has no resource-level permissions).', 'Resource::*');

    const sum = { statistic: 'Sum' };
    const timeoutMs = timeout.toMilliseconds();
    const limit = timeoutMs * 80 / 100;
    this.alarms = [
      newAlarm(c, 'ErrorsAlarm', {
        metric: fn.metricErrors(sum),
        description: "invocations failed (returned an error, panicked or timed out). See the function's log group.",
      }, props.alarmAction),
      newAlarm(c, 'ThrottlesAlarm', {
        metric: fn.metricThrottles(sum),
        description: 'invocations were throttled (no concurrency left).',
      }, props.alarmAction),
      newAlarm(c, 'DurationAlarm', {
        metric: fn.metricDuration({ statistic: 'p99' }),
        threshold: limit,
        description: `p99 duration above ${limit} ms, 80% of the ${timeoutMs} ms timeout.`,
      }, props.alarmAction),
    ];
    this.function = fn;
    this.role = role;
    this.logGroup = logGroup;
    this.asset = asset;
  }
}

// ---- constructs/httpapi ----

const ACCESS_LOG_FORMAT = '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",' +
  '"requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","routeKey":"$context.routeKey",' +
  '"path":"$context.path","status":"$context.status","protocol":"$context.protocol",' +
  '"responseLength":"$context.responseLength","latencyMs":"$context.responseLatency",' +
  '"integrationLatencyMs":"$context.integrationLatency","integrationError":"$context.integrationErrorMessage"}';

export interface HttpApiProps {
  description?: string;
  throttlingRateLimit: number;
  throttlingBurstLimit: number;
  accessLogRetention: logs.RetentionDays;
  /** Default: RETAIN. */
  accessLogRemovalPolicy?: cdk.RemovalPolicy;
  alarmAction?: cloudwatch.IAlarmAction;
}

export class HttpApi {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly accessLogGroup: logs.LogGroup;
  readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, p: HttpApiProps) {
    const c = new Construct(scope, id);
    const accessLogs = new logs.LogGroup(c, 'AccessLogs', {
      retention: p.accessLogRetention,
      removalPolicy: p.accessLogRemovalPolicy ?? cdk.RemovalPolicy.RETAIN,
    });
    const api = new apigwv2.HttpApi(c, 'Api', {
      description: p.description,
      createDefaultStage: false,
    });
    this.stage = new apigwv2.HttpStage(c, 'Stage', {
      httpApi: api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: p.throttlingRateLimit, burstLimit: p.throttlingBurstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: apigw.AccessLogFormat.custom(ACCESS_LOG_FORMAT),
      },
    });
    const limit = cdk.Duration.seconds(1).toMilliseconds();
    this.alarms = [
      newAlarm(c, 'ServerErrorsAlarm', {
        metric: api.metricServerError({ statistic: 'Sum' }),
        description: "the API answered 5xx. See the access log (integrationError) and the function's log.",
      }, p.alarmAction),
      newAlarm(c, 'LatencyAlarm', {
        metric: api.metricLatency({ statistic: 'p99' }),
        threshold: limit,
        description: `p99 latency above ${limit} ms.`,
      }, p.alarmAction),
    ];
    this.api = api;
    this.accessLogGroup = accessLogs;
  }
}

export interface RouteProps {
  api: apigwv2.HttpApi;
  path: string;
  methods: apigwv2.HttpMethod[];
  function: lambda.IFunction;
  /** Default: IAM authorization (callers sign with SigV4). */
  authorizer?: apigwv2.IHttpRouteAuthorizer;
}

// Route: one route per method, constructs of the API with the IDs
// HttpApi.addRoutes gives them ("<METHOD><path>"), to one Lambda proxy
// integration (payload format 2.0).
export class Route {
  readonly integration: integrations.HttpLambdaIntegration;
  readonly routes: apigwv2.HttpRoute[];

  constructor(scope: Construct, id: string, p: RouteProps) {
    new Construct(scope, id); // as in Go, where it holds the props' validation; the routes live under the API
    const authorizer = p.authorizer ?? new HttpIamAuthorizer();
    this.integration = new integrations.HttpLambdaIntegration(id, p.function, {
      payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
    });
    notAsyncInvoked(p.function, 'API Gateway invokes it synchronously and returns its errors to the caller');
    this.routes = p.methods.map(method => new apigwv2.HttpRoute(p.api, method + p.path, {
      httpApi: p.api,
      routeKey: apigwv2.HttpRouteKey.with(p.path, method),
      integration: this.integration,
      authorizer,
    }));
  }
}

// ---- constructs/queueworker ----

export interface QueueWorkerProps {
  function: lambda.Function;
  /** Most concurrent invocations the event source starts. Default: none. */
  maxConcurrency?: number;
  alarmAction?: cloudwatch.IAlarmAction;
}

export class QueueWorker {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, p: QueueWorkerProps) {
    const c = new Construct(scope, id);
    const fn = p.function;
    const fnTimeout = fn.timeout?.toSeconds() ?? 3;
    const dlq = new sqs.Queue(c, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: cdk.Duration.days(14),
    });
    suppress(dlq, 'Serverless-SQSRedrivePolicy', "This queue is the dead-letter queue of the worker's queue; messages here are inspected and redriven by an operator.");
    const queue = new sqs.Queue(c, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: cdk.Duration.days(4),
      visibilityTimeout: cdk.Duration.seconds(6 * fnTimeout),
      deadLetterQueue: { queue: dlq, maxReceiveCount: 5 },
    });
    const src = new eventsources.SqsEventSource(queue, {
      batchSize: 10,
      maxConcurrency: p.maxConcurrency,
      reportBatchItemFailures: true,
    });
    const before = fn.node.children.length;
    fn.addEventSource(src);
    notAsyncInvoked(fn, "an SQS event source mapping polls the queue; the queue's redrive policy moves failed messages to its dead-letter queue");
    for (const child of fn.node.children.slice(before)) {
      suppress(child, 'Serverless-LambdaEventSourceMappingDestination', "SQS event source mappings do not support on-failure destinations; the queue's redrive policy moves failed messages to its dead-letter queue.");
    }
    const age = cdk.Duration.minutes(15).toSeconds();
    this.alarms = [
      deadLetterQueueAlarm(c, dlq, p.alarmAction),
      newAlarm(c, 'MessageAgeAlarm', {
        metric: queue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum' }),
        threshold: age,
        description: `the oldest message of the queue is older than ${age}s: the consumer is stuck or falls behind.`,
      }, p.alarmAction),
    ];
    this.queue = queue;
    this.deadLetterQueue = dlq;
  }
}

// ---- constructs/streamconsumer ----

export interface StreamConsumerProps {
  table: dynamodb.ITable;
  function: lambda.Function;
  filters?: Record<string, any>[];
  /** Concurrent batches per stream shard, 1-10. Default: 1. */
  parallelizationFactor?: number;
  alarmAction?: cloudwatch.IAlarmAction;
}

export class StreamConsumer {
  readonly deadLetterQueue: sqs.Queue;
  readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, p: StreamConsumerProps) {
    const c = new Construct(scope, id);
    const fn = p.function;
    const dlq = newDeadLetterQueue(c, 'DeadLetterQueue');
    fn.addEventSource(new eventsources.DynamoEventSource(p.table, {
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      retryAttempts: 10,
      maxRecordAge: cdk.Duration.days(1),
      parallelizationFactor: p.parallelizationFactor ?? 1,
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      filters: p.filters,
      onFailure: new eventsources.SqsDlq(dlq),
    }));
    const policy = defaultPolicy(fn.role);
    if (policy) {
      suppress(policy, 'AwsSolutions-IAM5', 'dynamodb:ListStreams, which the event source mapping needs, supports no resource narrower than "*".', 'Resource::*');
    }
    notAsyncInvoked(fn, "a DynamoDB stream event source mapping invokes it; records it gives up on go to the mapping's on-failure destination");
    const age = cdk.Duration.minutes(5).toMilliseconds();
    this.alarms = [
      deadLetterQueueAlarm(c, dlq, p.alarmAction),
      newAlarm(c, 'IteratorAgeAlarm', {
        metric: fn.metric('IteratorAge', { statistic: 'Maximum' }),
        threshold: age,
        description: `iterator age above ${age} ms: the consumer falls behind the stream.`,
      }, p.alarmAction),
    ];
    this.deadLetterQueue = dlq;
  }
}

// ---- constructs/buckettrigger ----

export interface BucketTriggerProps {
  bucket: s3.IBucket;
  function: lambda.Function;
  prefix: string;
  alarmAction?: cloudwatch.IAlarmAction;
}

export class BucketTrigger {
  readonly rule: events.Rule;
  readonly deadLetterQueue: sqs.Queue;
  readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, p: BucketTriggerProps) {
    const c = new Construct(scope, id);
    const dlq = newDeadLetterQueue(c, 'DeadLetterQueue');
    this.alarms = [deadLetterQueueAlarm(c, dlq, p.alarmAction)];
    this.rule = new events.Rule(c, 'Rule', {
      description: `Objects created in the bucket with key ${JSON.stringify(p.prefix)}...${JSON.stringify('')}`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [p.bucket.bucketName] }, object: { key: [{ prefix: p.prefix }] } },
      },
    });
    configureAsyncInvoke(p.function, cdk.Duration.hours(6), dlq);
    // EventBridge's maximum: delivery retries for up to a day.
    this.rule.addTarget(new targets.LambdaFunction(p.function, { deadLetterQueue: dlq, retryAttempts: 185, maxEventAge: cdk.Duration.hours(24) }));
    this.deadLetterQueue = dlq;
  }
}

// ---- constructs/scheduledfunction ----

export interface ScheduledFunctionProps {
  function: lambda.Function;
  schedule: events.Schedule;
  description?: string;
  alarmAction?: cloudwatch.IAlarmAction;
}

export class ScheduledFunction {
  readonly rule: events.Rule;
  readonly deadLetterQueue: sqs.Queue;
  readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, p: ScheduledFunctionProps) {
    const c = new Construct(scope, id);
    const dlq = newDeadLetterQueue(c, 'DeadLetterQueue');
    this.alarms = [deadLetterQueueAlarm(c, dlq, p.alarmAction)];
    this.rule = new events.Rule(c, 'Rule', { schedule: p.schedule, description: p.description });
    const maxEventAge = cdk.Duration.hours(1);
    configureAsyncInvoke(p.function, maxEventAge, dlq);
    this.rule.addTarget(new targets.LambdaFunction(p.function, { deadLetterQueue: dlq, retryAttempts: 2, maxEventAge }));
    this.deadLetterQueue = dlq;
  }
}

// ---- constructs/eventbus ----

export interface EventBusProps {
  description?: string;
  /** How long the archive keeps events, whole days. Default: 30 days. */
  archiveRetention?: cdk.Duration;
}

// EventBus: a custom bus and an archive of every event on it, for replay.
export class EventBus {
  readonly bus: events.EventBus;
  readonly archive: events.Archive;

  constructor(scope: Construct, id: string, p: EventBusProps) {
    const c = new Construct(scope, id);
    this.bus = new events.EventBus(c, 'Bus', { description: p.description });
    this.archive = new events.Archive(c, 'Archive', {
      sourceEventBus: this.bus,
      description: `Events of ${c.node.path}, for replay`,
      eventPattern: { source: events.Match.prefix('') },
      retention: p.archiveRetention ?? cdk.Duration.days(30),
    });
    // aws-cdk-lib writes an empty KmsKeyIdentifier, which CloudFormation
    // rejects on update (aws/aws-cdk#37847).
    (this.archive.node.defaultChild as cdk.CfnResource).addPropertyDeletionOverride('KmsKeyIdentifier');
  }
}

// ---- constructs/eventrule ----

export interface EventRuleProps {
  eventBus: events.IEventBus;
  eventPattern: events.EventPattern;
  description?: string;
  function: lambda.Function;
  alarmAction?: cloudwatch.IAlarmAction;
}

// EventRule: a rule on a custom bus to a function, asynchronously: 185
// delivery retries for up to 24 hours, then 2 Lambda retries for up to 6
// hours, then the dead-letter queue.
export class EventRule {
  readonly rule: events.Rule;
  readonly deadLetterQueue: sqs.Queue;
  readonly deadLetterQueueAlarm: cloudwatch.Alarm;
  readonly failedInvocationsAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, p: EventRuleProps) {
    const c = new Construct(scope, id);
    const dlq = newDeadLetterQueue(c, 'DeadLetterQueue');
    const rule = new events.Rule(c, 'Rule', { eventBus: p.eventBus, eventPattern: p.eventPattern, description: p.description });
    configureAsyncInvoke(p.function, cdk.Duration.hours(6), dlq);
    rule.addTarget(new targets.LambdaFunction(p.function, { deadLetterQueue: dlq, retryAttempts: 185, maxEventAge: cdk.Duration.hours(24) }));
    this.deadLetterQueueAlarm = deadLetterQueueAlarm(c, dlq, p.alarmAction);
    this.failedInvocationsAlarm = newAlarm(c, 'FailedInvocationsAlarm', {
      metric: new cloudwatch.Metric({
        namespace: 'AWS/Events',
        metricName: 'FailedInvocations',
        // On a custom bus the rule's Ref is "<bus>|<rule>": the metric's
        // RuleName is the part after the bar.
        dimensionsMap: {
          EventBusName: p.eventBus.eventBusName,
          RuleName: cdk.Fn.select(1, cdk.Fn.split('|', rule.ruleName)),
        },
        statistic: 'Sum',
      }),
      description: 'EventBridge failed to invoke the function for good (after its delivery retries). The events are in the dead-letter queue.',
    }, p.alarmAction);
    this.rule = rule;
    this.deadLetterQueue = dlq;
  }
}

// ---- constructs/alarmtopic ----

export class AlarmTopic {
  readonly topic: sns.Topic;
  readonly action: cloudwatch.IAlarmAction;

  constructor(scope: Construct, id: string, displayName: string) {
    const c = new Construct(scope, id);
    const stack = cdk.Stack.of(c);
    const principal = new iam.ServicePrincipal('cloudwatch.amazonaws.com');
    const key = new kms.Key(c, 'Key', {
      description: 'Encrypts the alarm notifications of ' + c.node.path,
      enableKeyRotation: true,
      removalPolicy: cdk.RemovalPolicy.DESTROY,
    });
    key.addToResourcePolicy(new iam.PolicyStatement({
      principals: [principal],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
    }));
    const topic = new sns.Topic(c, 'Topic', { displayName, masterKey: key, enforceSSL: true });
    topic.addToResourcePolicy(new iam.PolicyStatement({
      principals: [principal],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: {
          'aws:SourceArn': stack.formatArn({
            service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: cdk.ArnFormat.COLON_RESOURCE_NAME,
          }),
        },
      },
    }));
    this.topic = topic;
    this.action = new cwactions.SnsAction(topic);
  }
}
