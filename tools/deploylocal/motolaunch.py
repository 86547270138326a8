#!/usr/bin/env python3
"""Run moto's server for `make deploy-local`, taught what CDK templates need.

    python3 tools/deploylocal/motolaunch.py [--port 0]

Starts moto's server (Python package moto[server], 5.2.1 pinned by the
Makefile) in this process on 127.0.0.1:PORT (0: a free port) and, once it
listens, prints one line of JSON to stdout: {"port": N, "moto": "5.2.1"}.
It stops on SIGTERM or SIGINT, and when its stdin reaches end of file (the Go
program that started it holds the other end, so it also stops when that
program dies).

moto 5.2.1's CloudFormation cannot deploy the order flow's templates as they
are. This launcher fills the gaps inside moto; the templates it is given are
never changed:

1. Fn::GetStackOutput, the CDK's cross-stack reference
   ({"StackName", "OutputName", "Region"}): the named output of a stack
   deployed in this emulator, same account and region.
2. CloudFormation types whose service moto implements but whose
   CloudFormation type it skips with a warning ("taught" below):
   AWS::CloudWatch::Alarm, AWS::SQS::QueuePolicy, AWS::SNS::TopicPolicy,
   AWS::S3::BucketPolicy, AWS::Lambda::EventInvokeConfig and
   AWS::SNS::Subscription. Each is created through moto's own service
   backend with the template's (resolved) properties, so the service's API
   reads it back like any other resource, and deleted with its stack.
   Bucket policies are stored, not enforced: moto would apply a TLS-only
   Deny to every request (it ignores conditions), and it speaks plain HTTP.
3. Properties moto's CloudFormation drops or mangles although its service
   API has them: AWS::Lambda::Function Architectures, TracingConfig,
   EphemeralStorage, ...; AWS::DynamoDB::Table PointInTimeRecoverySpecification,
   SSESpecification and TimeToLiveSpecification; AWS::S3::Bucket VersioningConfiguration,
   PublicAccessBlockConfiguration, NotificationConfiguration (EventBridge),
   OwnershipControls, LoggingConfiguration, LifecycleConfiguration;
   AWS::KMS::Key KeyPolicy (an object, not a string). They are handed to the
   same service backend right after moto created the resource. Also:
   Fn::GetAtt Arn of a log group ends in ":*" as in CloudFormation,
   GetBucketNotificationConfiguration answers the EventBridge
   configuration moto stores, UpdateStack keeps a parameter's value in
   effect (UsePreviousValue) when it was the default, an EventBridge
   archive gets a name within its 48 characters and its pattern as JSON,
   and Ref of a bus, an archive or a rule on a custom bus answers what
   CloudFormation answers. All listed in FIXES.
4. Every other type moto does not know (e.g. AWS::ApiGatewayV2::*) gets a
   stand-in: a placeholder with a physical ID and made-up attribute values,
   so that the stack completes, references to it resolve and
   ListStackResources answers (moto answers 500 for a stack holding a
   skipped type). Nothing is created for a stand-in, and nothing about it
   can be verified.

GET /_deploylocal/report answers what was taught or stood in, per stack,
and the properties of 3.: {"taught": [...], "standIns": [...], "fixes":
[...]}, entries {"stackName", "logicalId", "type"} and {"type", "property"}.
deploylocal prints the stand-ins and never counts them as verified, and
says which verified properties went through a fix.
"""

import argparse
import json
import os
import re
import signal
import sys
import threading
import warnings

warnings.simplefilter("ignore")  # moto warns about every type it skips; we replace them

import moto  # noqa: E402
from moto.cloudformation import parsing  # noqa: E402
from moto.cloudformation.exceptions import (  # noqa: E402
    UnformattedGetAttTemplateException,
    ValidationError,
)
from moto.cloudformation.models import cloudformation_backends  # noqa: E402
from moto.cloudformation.utils import random_suffix  # noqa: E402
from moto.cloudwatch.models import cloudwatch_backends  # noqa: E402
from moto.core.common_models import CloudFormationModel  # noqa: E402
from moto.awslambda.models import lambda_backends  # noqa: E402
from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    create_backend_app,
)
from moto.s3.models import s3_backends  # noqa: E402
from moto.sns.models import sns_backends  # noqa: E402
from moto.sqs.models import sqs_backends  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

REPORT_PATH = "/_deploylocal/report"
_lock = threading.Lock()
_report = {"taught": [], "standIns": [], "fixes": []}


def _stack_name(kwargs, account_id, region_name):
    stack_id = kwargs.get("StackId", "")
    try:
        return cloudformation_backends[account_id][region_name].get_stack(stack_id).name
    except Exception:  # the stack is being created: its name is in its ID
        parts = stack_id.split(":stack/")
        return parts[1].split("/")[0] if len(parts) == 2 else stack_id


def _record(kind, kwargs, account_id, region_name):
    with _lock:
        _report[kind].append({
            "stackName": _stack_name(kwargs, account_id, region_name),
            "logicalId": kwargs.get("LogicalId", ""),
            "type": kwargs.get("ResourceType", ""),
        })


# 1. Fn::GetStackOutput -------------------------------------------------------

_clean_json = parsing.clean_json


def clean_json(resource_json, resources_map):
    if isinstance(resource_json, dict) and "Fn::GetStackOutput" in resource_json:
        args = _clean_json(resource_json["Fn::GetStackOutput"], resources_map)
        account_id = resources_map._account_id
        region = args.get("Region") or resources_map._region_name
        backend = cloudformation_backends[account_id][region]
        try:
            stack = backend.get_stack(args["StackName"])
        except Exception:
            raise ValidationError(message=f"Fn::GetStackOutput: no stack {args['StackName']} in {account_id}/{region}")
        for output in stack.output_map.values():
            if output and output.key == args["OutputName"]:
                return output.value
        raise ValidationError(message=f"Fn::GetStackOutput: stack {args['StackName']} has no output {args['OutputName']}")
    return _clean_json(resource_json, resources_map)


parsing.clean_json = clean_json


# 2. Types whose service moto has ----------------------------------------------


class _Taught(CloudFormationModel):
    """Base of the taught types: a resource known by its physical ID."""

    __module__ = "moto.deploylocal"  # moto files models by the module's second part

    def __init_subclass__(cls, **kwargs):
        cls.__module__ = "moto.deploylocal"  # before moto's metaclass reads it
        super().__init_subclass__(**kwargs)

    def __init__(self, physical_id, attributes=None, delete=None):
        self._physical_id = physical_id
        self._attributes = attributes or {}
        self._delete = delete

    @staticmethod
    def cloudformation_type():
        return "DeployLocal::Taught"  # never in a template; subclasses name theirs

    @property
    def physical_resource_id(self):
        return self._physical_id

    @classmethod
    def has_cfn_attr(cls, attr):
        return True

    def get_cfn_attribute(self, attribute_name):
        if attribute_name in self._attributes:
            return self._attributes[attribute_name]
        raise UnformattedGetAttTemplateException()

    def delete(self, account_id, region_name):
        if self._delete:
            self._delete()

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        pass  # delete() above does it

    def is_created(self):
        return True


def _policy(doc):
    return doc if isinstance(doc, str) else json.dumps(doc)


class Alarm(_Taught):
    """AWS::CloudWatch::Alarm through moto's CloudWatch (PutMetricAlarm)."""

    @staticmethod
    def cloudformation_type():
        return "AWS::CloudWatch::Alarm"

    @staticmethod
    def cloudformation_name_type():
        return "AlarmName"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        p = cloudformation_json["Properties"]
        backend = cloudwatch_backends[account_id][region_name]
        queries = None
        if p.get("Metrics"):
            from moto.cloudwatch.models import Dimension, MetricDataQuery, MetricStat, Metric

            queries = []
            for m in p["Metrics"]:
                stat = None
                if "MetricStat" in m:
                    ms = m["MetricStat"]
                    metric = ms.get("Metric", {})
                    stat = MetricStat(
                        metric=Metric(
                            metric_name=metric.get("MetricName"),
                            namespace=metric.get("Namespace"),
                            dimensions=[Dimension(d["Name"], d["Value"]) for d in metric.get("Dimensions", [])],
                        ),
                        period=ms.get("Period"), stat=ms.get("Stat"), unit=ms.get("Unit"))
                queries.append(MetricDataQuery(
                    query_id=m.get("Id"), label=m.get("Label"), period=m.get("Period"),
                    return_data=m.get("ReturnData"), expression=m.get("Expression"), metric_stat=stat))
        resource_name = p.get("AlarmName") or resource_name
        alarm = backend.put_metric_alarm(
            name=resource_name,
            namespace=p.get("Namespace"),
            metric_name=p.get("MetricName"),
            metric_data_queries=queries,
            comparison_operator=p.get("ComparisonOperator"),
            evaluation_periods=int(p["EvaluationPeriods"]),
            datapoints_to_alarm=int(p["DatapointsToAlarm"]) if "DatapointsToAlarm" in p else None,
            period=int(p["Period"]) if "Period" in p else None,
            threshold=float(p["Threshold"]) if "Threshold" in p else None,
            statistic=p.get("Statistic"),
            extended_statistic=p.get("ExtendedStatistic"),
            description=p.get("AlarmDescription"),
            dimensions=[{"Name": d["Name"], "Value": d["Value"]} for d in p.get("Dimensions", [])],
            alarm_actions=p.get("AlarmActions", []),
            ok_actions=p.get("OKActions", []),
            insufficient_data_actions=p.get("InsufficientDataActions", []),
            unit=p.get("Unit"),
            actions_enabled=p.get("ActionsEnabled", True) not in (False, "false"),
            treat_missing_data=p.get("TreatMissingData"),
            evaluate_low_sample_count_percentile=p.get("EvaluateLowSampleCountPercentile"),
            threshold_metric_id=p.get("ThresholdMetricId"),
        )
        _record("taught", kwargs, account_id, region_name)
        return cls(resource_name, {"Arn": alarm.alarm_arn},
                   lambda: backend.delete_alarms([resource_name]))


class QueuePolicy(_Taught):
    """AWS::SQS::QueuePolicy: the queues' Policy attribute (SetQueueAttributes)."""

    @staticmethod
    def cloudformation_type():
        return "AWS::SQS::QueuePolicy"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        p = cloudformation_json["Properties"]
        backend = sqs_backends[account_id][region_name]
        names = [url.rstrip("/").split("/")[-1] for url in p["Queues"]]
        for name in names:
            backend.set_queue_attributes(name, {"Policy": _policy(p["PolicyDocument"])})
        _record("taught", kwargs, account_id, region_name)

        def delete():
            for name in names:
                try:
                    backend.set_queue_attributes(name, {"Policy": ""})
                except Exception:
                    pass  # the queue went first
        return cls(f"{kwargs.get('LogicalId')}-{random_suffix()}", delete=delete)


class TopicPolicy(_Taught):
    """AWS::SNS::TopicPolicy: the topics' Policy attribute (SetTopicAttributes)."""

    @staticmethod
    def cloudformation_type():
        return "AWS::SNS::TopicPolicy"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        p = cloudformation_json["Properties"]
        backend = sns_backends[account_id][region_name]
        for arn in p["Topics"]:
            backend.set_topic_attribute(arn, "policy", _policy(p["PolicyDocument"]))  # the API's name, snake_cased
        _record("taught", kwargs, account_id, region_name)
        return cls(f"{kwargs.get('LogicalId')}-{random_suffix()}")


# moto enforces bucket policies "basically": statements with principal * and
# their conditions ignored. CDK buckets deny requests without TLS
# ({"Bool": {"aws:SecureTransport": "false"}}), which moto would apply to
# every request, and the emulator speaks plain HTTP anyway: policies are
# stored and read back, not enforced.
from moto.iam.access_control import PermissionResult  # noqa: E402
from moto.s3.models import FakeBucket  # noqa: E402

FakeBucket.get_permission = lambda self, action, resource: PermissionResult.NEUTRAL


class BucketPolicy(_Taught):
    """AWS::S3::BucketPolicy through moto's S3 (PutBucketPolicy)."""

    @staticmethod
    def cloudformation_type():
        return "AWS::S3::BucketPolicy"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        p = cloudformation_json["Properties"]
        backend = s3_backends[account_id]["aws"]
        bucket = p["Bucket"]
        backend.put_bucket_policy(bucket, _policy(p["PolicyDocument"]).encode())
        _record("taught", kwargs, account_id, region_name)

        def delete():
            try:
                backend.delete_bucket_policy(bucket)
            except Exception:
                pass  # a retained bucket keeps its policy only if the bucket went
        return cls(bucket, delete=delete)


class EventInvokeConfig(_Taught):
    """AWS::Lambda::EventInvokeConfig through moto's Lambda
    (PutFunctionEventInvokeConfig): retries, event age, destinations."""

    @staticmethod
    def cloudformation_type():
        return "AWS::Lambda::EventInvokeConfig"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        p = cloudformation_json["Properties"]
        backend = lambda_backends[account_id][region_name]
        function = p["FunctionName"]
        config = {k: p[k] for k in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig") if k in p}
        backend.put_function_event_invoke_config(function, config)
        _record("taught", kwargs, account_id, region_name)

        def delete():
            try:
                backend.delete_function_event_invoke_config(function)
            except Exception:
                pass  # the function went first
        return cls(f"{function}-{p.get('Qualifier', '$LATEST')}", delete=delete)


class Subscription(_Taught):
    """AWS::SNS::Subscription through moto's SNS (Subscribe, then
    SetSubscriptionAttributes for the filter policy, raw delivery, redrive)."""

    @staticmethod
    def cloudformation_type():
        return "AWS::SNS::Subscription"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        p = cloudformation_json["Properties"]
        backend = sns_backends[account_id][region_name]
        sub = backend.subscribe(p["TopicArn"], p["Endpoint"], p["Protocol"])
        for key in ("FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy", "DeliveryPolicy"):
            if key in p:
                value = p[key]
                backend.set_subscription_attributes(sub.arn, key, value if isinstance(value, str) else json.dumps(value))
        _record("taught", kwargs, account_id, region_name)
        return cls(sub.arn, delete=lambda: backend.unsubscribe(sub.arn))


# 3. Properties moto's CloudFormation drops -------------------------------------
#
# For some types moto's CloudFormation model passes only part of the
# template's properties to the service backend, although the service API
# supports the rest. These wrappers hand the rest to the same backend, in
# the API's shape, right after moto created the resource. FIXES lists them;
# the report repeats it, and deploylocal prints which checks relied on them.

FIXES = []


def _fix(model, resource_type, properties, apply):
    """Wrap model.create_from_cloudformation_json: after moto created the
    resource, apply(resource, props, account_id, region_name)."""
    original = model.create_from_cloudformation_json.__func__

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        resource = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        apply(resource, cloudformation_json.get("Properties", {}), account_id, region_name)
        return resource

    model.create_from_cloudformation_json = classmethod(create)
    for p in properties:
        FIXES.append({"type": resource_type, "property": p})


_create_function_lock = threading.Lock()


def _lambda_function():
    """AWS::Lambda::Function: moto passes Code, Handler, Role, Runtime,
    Description, MemorySize, Timeout, VpcConfig, Environment and
    ReservedConcurrentExecutions; CreateFunction takes more."""
    from moto.awslambda.models import LambdaFunction

    extra = ("Architectures", "TracingConfig", "EphemeralStorage", "Layers", "ImageConfig", "PackageType",
             "DeadLetterConfig", "KmsKeyArn")
    original = LambdaFunction.create_from_cloudformation_json.__func__

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        backend = lambda_backends[account_id][region_name]
        create_function = backend.create_function

        def with_extra(spec):
            spec.update({k: props[k] for k in extra if k in props})
            return create_function(spec)

        with _create_function_lock:  # the replacement is for this call only
            backend.create_function = with_extra
            try:
                return original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
            finally:
                del backend.create_function

    LambdaFunction.create_from_cloudformation_json = classmethod(create)
    FIXES.extend({"type": "AWS::Lambda::Function", "property": p} for p in extra)


def _dynamodb_table():
    """AWS::DynamoDB::Table: moto ignores PointInTimeRecoverySpecification
    and TimeToLiveSpecification, and passes SSESpecification in the
    template's shape (SSEEnabled) where its backend reads the API's
    (Enabled)."""
    from moto.dynamodb.models.table import Table

    def apply(table, props, account_id, region_name):
        pitr = props.get("PointInTimeRecoverySpecification", {})
        if str(pitr.get("PointInTimeRecoveryEnabled")).lower() == "true":
            table.continuous_backups["PointInTimeRecoveryDescription"] = {
                "PointInTimeRecoveryStatus": "ENABLED",
                "EarliestRestorableDateTime": 0,
                "LatestRestorableDateTime": 0,
            }
        sse = props.get("SSESpecification")
        if sse is not None:
            spec = {"Enabled": str(sse.get("SSEEnabled")).lower() == "true"}
            if sse.get("SSEType"):
                spec["SSEType"] = sse["SSEType"]
            spec["KMSMasterKeyId"] = sse.get("KMSMasterKeyId") or table._get_default_encryption_key(account_id, region_name)
            table.sse_specification = spec
        ttl = props.get("TimeToLiveSpecification")
        if ttl is not None:
            enabled = str(ttl.get("Enabled")).lower() == "true"
            table.ttl = {"TimeToLiveStatus": "ENABLED" if enabled else "DISABLED", "AttributeName": ttl.get("AttributeName", "")}

    _fix(Table, "AWS::DynamoDB::Table", ["PointInTimeRecoverySpecification", "SSESpecification", "TimeToLiveSpecification"], apply)


def _s3_bucket():
    """AWS::S3::Bucket: moto applies BucketEncryption and Tags only."""

    def apply(bucket, props, account_id, region_name):
        backend = s3_backends[account_id]["aws"]
        name = bucket.name
        if "VersioningConfiguration" in props:
            backend.put_bucket_versioning(name, props["VersioningConfiguration"]["Status"])
        if "PublicAccessBlockConfiguration" in props:
            backend.put_public_access_block(name, {k: str(v).lower() for k, v in props["PublicAccessBlockConfiguration"].items()})
        notifications = props.get("NotificationConfiguration", {})
        if str(notifications.get("EventBridgeConfiguration", {}).get("EventBridgeEnabled")).lower() == "true":
            backend.put_bucket_notification_configuration(name, {"EventBridgeConfiguration": {}})
        rules = props.get("OwnershipControls", {}).get("Rules", [])
        if rules:
            backend.put_bucket_ownership_controls(name, rules[0]["ObjectOwnership"])
        logging = props.get("LoggingConfiguration")
        if logging:
            # Set directly: moto's PutBucketLogging wants the target's
            # bucket policy first, which CloudFormation may create later.
            bucket.logging = {"TargetBucket": logging["DestinationBucketName"], "TargetPrefix": logging.get("LogFilePrefix", "")}
        lifecycle = props.get("LifecycleConfiguration", {}).get("Rules")
        if lifecycle:
            api_rules = []
            for r in lifecycle:
                rule = {"ID": r.get("Id", ""), "Status": r.get("Status", "Enabled"), "Filter": {"Prefix": r.get("Prefix", "")}}
                if "ExpirationInDays" in r:
                    rule["Expiration"] = {"Days": str(r["ExpirationInDays"])}
                if "NoncurrentVersionExpiration" in r:
                    rule["NoncurrentVersionExpiration"] = {"NoncurrentDays": str(r["NoncurrentVersionExpiration"]["NoncurrentDays"])}
                if "NoncurrentVersionExpirationInDays" in r:
                    rule["NoncurrentVersionExpiration"] = {"NoncurrentDays": str(r["NoncurrentVersionExpirationInDays"])}
                if "AbortIncompleteMultipartUpload" in r:
                    rule["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": str(r["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])}
                api_rules.append(rule)
            backend.put_bucket_lifecycle(name, api_rules)

    _fix(FakeBucket, "AWS::S3::Bucket", ["VersioningConfiguration", "PublicAccessBlockConfiguration",
                                          "NotificationConfiguration", "OwnershipControls", "LoggingConfiguration",
                                          "LifecycleConfiguration"], apply)


def _kms_key():
    """AWS::KMS::Key: moto stores the template's KeyPolicy object where its
    API expects a JSON string (DescribeKey then fails with a 500)."""
    from moto.kms.models import Key

    original = Key.create_from_cloudformation_json.__func__

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        if not isinstance(props.get("KeyPolicy"), str):
            props = dict(props, KeyPolicy=json.dumps(props.get("KeyPolicy")))
            cloudformation_json = dict(cloudformation_json, Properties=props)
        return original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    Key.create_from_cloudformation_json = classmethod(create)
    FIXES.append({"type": "AWS::KMS::Key", "property": "KeyPolicy"})


def _s3_notification_read():
    """GetBucketNotificationConfiguration: moto stores an EventBridge
    configuration (and sends events to EventBridge) but leaves it out of
    its answer; add it when the bucket has one."""
    from moto.s3.responses import S3Response

    original = S3Response.get_bucket_notification

    def get_bucket_notification(self):
        response = original(self)
        config = self.backend.get_bucket_notification_configuration(self.bucket_name)
        if config is None or config.event_bridge is None:
            return response
        status, headers, body = response
        text = body.decode() if isinstance(body, bytes) else body
        if "<EventBridgeConfiguration" in text:
            return response
        if "</NotificationConfiguration>" in text:
            text = text.replace("</NotificationConfiguration>", "<EventBridgeConfiguration/></NotificationConfiguration>")
        else:  # an empty configuration: <NotificationConfiguration xmlns="..."/>
            text = re.sub(r"<NotificationConfiguration([^>]*)/>",
                          r"<NotificationConfiguration\1><EventBridgeConfiguration/></NotificationConfiguration>", text)
        headers = dict(headers)
        headers.pop("Content-Length", None)
        headers.pop("content-length", None)
        return status, headers, text

    S3Response.get_bucket_notification = get_bucket_notification


def _log_group_arn():
    """Fn::GetAtt [LogGroup, Arn]: CloudFormation answers the ARN with a
    trailing ":*" (as DescribeLogGroups' arn), moto without it; IAM
    statements the CDK writes for a log group's streams rely on the ":*"."""
    from moto.logs.models import LogGroup

    original = LogGroup.get_cfn_attribute

    def get_cfn_attribute(self, attribute_name):
        value = original(self, attribute_name)
        if attribute_name == "Arn" and not value.endswith(":*"):
            value += ":*"
        return value

    LogGroup.get_cfn_attribute = get_cfn_attribute
    FIXES.append({"type": "AWS::Logs::LogGroup", "property": "Fn::GetAtt Arn"})


def _previous_parameter_values():
    """UpdateStack with UsePreviousValue for a parameter the stack was created
    with its default (the CDK's BootstrapVersion): moto looks for a value
    given at creation and fails with a KeyError; CloudFormation uses the
    value in effect."""
    from moto.cloudformation.models import CloudFormationBackend

    original = CloudFormationBackend._resolve_update_parameters

    def resolve(self, instance, incoming_params):
        # The value in effect is the template's default: for an SSM
        # parameter type that is the parameter's name, which moto resolves.
        declared = (getattr(instance, "template_dict", None) or {}).get("Parameters", {})
        for p in incoming_params:
            key = p["ParameterKey"]
            if p.get("UsePreviousValue") and key not in instance.parameters and "Default" in declared.get(key, {}):
                instance.parameters[key] = declared[key]["Default"]
        return original(self, instance, incoming_params)

    CloudFormationBackend._resolve_update_parameters = resolve
    FIXES.append({"type": "AWS::CloudFormation::Stack", "property": "UpdateStack UsePreviousValue of a defaulted parameter"})


def _generated_names():
    """Physical names moto generates ("{stack}-{logicalId}-{suffix}") can
    exceed a service's limit, which the service then refuses; CloudFormation
    shortens them. Types and limits here: AWS::Events::Archive, 48."""
    limits = {"AWS::Events::Archive": 48}
    original = parsing.generate_resource_name

    def generate_resource_name(resource_type, stack_name, logical_id):
        name = original(resource_type, stack_name, logical_id)
        limit = limits.get(resource_type)
        if limit and len(name) > limit:
            suffix = name.rsplit("-", 1)[1]
            name = f"{stack_name}-{logical_id}"[: limit - len(suffix) - 1].rstrip("-") + "-" + suffix
        return name

    parsing.generate_resource_name = generate_resource_name
    FIXES.extend({"type": t, "property": f"generated name (at most {n} characters)"} for t, n in limits.items())


def _events_archive():
    """AWS::Events::Archive: moto passes the template's EventPattern object
    where its backend parses a JSON string (CreateStack then fails with a
    500)."""
    from moto.events.models import Archive

    for name in ("create_from_cloudformation_json", "update_from_cloudformation_json"):
        original = getattr(Archive, name).__func__

        def wrapped(cls, *args, _original=original, **kwargs):
            args = list(args)
            i = 1 if _original.__name__ == "create_from_cloudformation_json" else 2
            if "cloudformation_json" in kwargs:
                kwargs["cloudformation_json"] = _pattern_as_string(kwargs["cloudformation_json"])
            elif len(args) > i:
                args[i] = _pattern_as_string(args[i])
            return _original(cls, *args, **kwargs)

        setattr(Archive, name, classmethod(wrapped))
    FIXES.append({"type": "AWS::Events::Archive", "property": "EventPattern"})


def _pattern_as_string(cloudformation_json):
    props = cloudformation_json.get("Properties", {})
    if isinstance(props.get("EventPattern"), (dict, list)):
        props = dict(props, EventPattern=json.dumps(props["EventPattern"]))
        cloudformation_json = dict(cloudformation_json, Properties=props)
    return cloudformation_json


def _event_bus_ref():
    """{"Ref": EventBus}: CloudFormation answers the bus's name; moto's
    EventBus has no physical ID, so the Ref resolves to the object and a
    rule on the bus (EventBusName) fails with a 500. Archives likewise (and
    ListStackResources shows no physical ID for them)."""
    from moto.events.models import EventBus

    from moto.events.models import Archive

    if not hasattr(EventBus, "physical_resource_id"):
        EventBus.physical_resource_id = property(lambda self: self.name)
        FIXES.append({"type": "AWS::Events::EventBus", "property": "Ref (the bus's name)"})
    if not hasattr(Archive, "physical_resource_id"):  # the same for an archive
        Archive.physical_resource_id = property(lambda self: self.name)
        FIXES.append({"type": "AWS::Events::Archive", "property": "Ref (the archive's name)"})


def _rule_on_a_bus_ref():
    """{"Ref": Rule} of a rule on a custom bus: CloudFormation answers
    "bus|rule" (the CDK splits it for the rule's alarm dimension), moto the
    rule's name alone."""
    from moto.events.models import Rule

    def physical_resource_id(self):
        bus = getattr(self, "event_bus_name", "default") or "default"
        return self.name if bus == "default" else f"{bus}|{self.name}"

    Rule.physical_resource_id = property(physical_resource_id)
    FIXES.append({"type": "AWS::Events::Rule", "property": "Ref of a rule on a custom bus (bus|rule)"})


_previous_parameter_values()
_generated_names()
_events_archive()
_event_bus_ref()
_rule_on_a_bus_ref()
_lambda_function()
_log_group_arn()
_dynamodb_table()
_s3_bucket()
_s3_notification_read()
_kms_key()
_report["fixes"] = FIXES


# 4. Stand-ins for every other type --------------------------------------------


class StandIn(CloudFormationModel):
    """A placeholder for a type moto does not know: nothing is created."""

    __module__ = "moto.deploylocal"

    def __init__(self, physical_id, region_name, account_id):
        self._physical_id = physical_id
        self._region = region_name
        self._account = account_id

    @staticmethod
    def cloudformation_type():
        return "DeployLocal::StandIn"

    @property
    def physical_resource_id(self):
        return self._physical_id

    @classmethod
    def has_cfn_attr(cls, attr):
        return True

    def get_cfn_attribute(self, attribute_name):
        if attribute_name == "ApiEndpoint":  # AWS::ApiGatewayV2::Api
            return f"https://{self._physical_id}.execute-api.{self._region}.amazonaws.com"
        if attribute_name.endswith("Arn"):
            return f"arn:aws:deploylocal-standin:{self._region}:{self._account}:{self._physical_id}"
        return f"{self._physical_id}.{attribute_name}"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        _record("standIns", kwargs, account_id, region_name)
        return cls(f"standin{random_suffix().lower()[:8]}", region_name, account_id)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        pass

    def delete(self, account_id, region_name):
        pass

    def is_created(self):
        return True


_resource_class_from_type = parsing.resource_class_from_type


TAUGHT = {c.cloudformation_type(): c for c in (Alarm, QueuePolicy, TopicPolicy, BucketPolicy, EventInvokeConfig, Subscription)}


def resource_class_from_type(resource_type):
    if resource_type in TAUGHT:
        return TAUGHT[resource_type]
    cls = _resource_class_from_type(resource_type)
    if cls is None and resource_type not in parsing.NULL_MODELS:
        return StandIn
    return cls


parsing.resource_class_from_type = resource_class_from_type


# The server --------------------------------------------------------------------


def with_report(app):
    """The report endpoint, and every error answer's body written to stderr
    (moto.log): the CLI cannot always parse moto's errors, so moto.log is
    where their message can be read."""

    def wsgi(environ, start_response):
        if environ.get("PATH_INFO") == REPORT_PATH:
            with _lock:
                body = json.dumps(_report).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        status = []

        def capture(s, headers, exc_info=None):
            status.append(s)
            return start_response(s, headers, exc_info)

        chunks = list(app(environ, capture))
        if status and int(status[0].split()[0]) >= 400:
            target = environ.get("HTTP_X_AMZ_TARGET", "")
            body = b"".join(chunks)[:4000].decode("utf-8", "replace")
            print(f"deploylocal: {status[0]} for {environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')} {target}: {body}",
                  file=sys.stderr, flush=True)
        return chunks
    return wsgi


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    args = parser.parse_args()

    server = make_server("127.0.0.1", args.port, with_report(DomainDispatcherApplication(create_backend_app)), threaded=True)

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def watch_stdin():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except Exception:
            pass
        os._exit(0)  # the parent is gone

    threading.Thread(target=watch_stdin, daemon=True).start()
    print(json.dumps({"port": server.server_address[1], "moto": moto.__version__}), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
