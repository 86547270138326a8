#!/usr/bin/env python3
"""Run moto's server for the dev tooling (tools/moto), taught what CDK templates need.

    python3 tools/moto/motolaunch.py [--port 0]

Starts moto's server (moto[server] 5.2.1, pinned by the Makefile) on
127.0.0.1:PORT (0: a free port) and prints {"port": N, "moto": "5.2.1"} once
it listens. It stops on SIGTERM, SIGINT or when stdin closes (the Go program
that started it holds the other end).

moto 5.2.1's CloudFormation cannot deploy the order flow's templates as they
are. This launcher fills the gaps inside moto, never changing a template:

1. Fn::GetStackOutput: the named output of a stack deployed in this emulator.
2. TAUGHT: CloudFormation types moto skips although it has their service.
   Each is created through moto's own service backend with the template's
   resolved properties (so the service's API reads it back) and deleted with
   its stack. Bucket policies are stored, not enforced (moto would apply the
   TLS-only Deny to every request; it speaks plain HTTP).
3. FIXES: properties moto's CloudFormation drops or mangles although its
   service API has them, handed to the same backend, and answers moto gets
   wrong (a log group's Arn, Ref of a bus, a rule, an archive, ...).
4. Every other type moto does not know (e.g. AWS::ApiGatewayV2::*) gets a
   stand-in: a physical ID and made-up attributes, so that the stack
   completes and references resolve. Nothing is created or verified for it.

GET /_deploylocal/report answers {"taught": [...], "standIns": [...],
"fixes": [...]}: entries {"stackName", "logicalId", "type"} and {"type",
"property"}. deploylocal never counts a stand-in as verified and says which
checks went through a fix.
"""

import argparse
import json
import os
import signal
import sys
import threading
import warnings

warnings.simplefilter("ignore")  # moto warns about every type it skips; we replace them

import moto  # noqa: E402
from moto.awslambda.models import EventSourceMapping, LambdaFunction, LambdaVersion, lambda_backends  # noqa: E402
from moto.cloudformation import parsing  # noqa: E402
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException, ValidationError  # noqa: E402
from moto.cloudformation.models import CloudFormationBackend, cloudformation_backends  # noqa: E402
from moto.cloudformation.utils import random_suffix  # noqa: E402
from moto.cloudwatch.responses import CloudWatchResponse  # noqa: E402
from moto.core.common_models import CloudFormationModel  # noqa: E402
from moto.core.responses import ActionResult  # noqa: E402
from moto.dynamodb.models import dynamodb_backends  # noqa: E402
from moto.dynamodb.models.table import Table  # noqa: E402
from moto.events.models import Archive, EventBus, Rule  # noqa: E402
from moto.iam.access_control import PermissionResult  # noqa: E402
from moto.kms.models import Key  # noqa: E402
from moto.logs.models import LogGroup  # noqa: E402
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app  # noqa: E402
from moto.s3.models import FakeBucket, s3_backends  # noqa: E402
from moto.s3.responses import S3Response  # noqa: E402
from moto.sns.models import sns_backends  # noqa: E402
from moto.sqs.models import sqs_backends  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

REPORT_PATH = "/_deploylocal/report"
_lock = threading.Lock()
_report = {"taught": [], "standIns": [], "fixes": []}


def _record(kind, kwargs):
    name = kwargs.get("StackId", "").split(":stack/")[-1].split("/")[0]  # arn:...:stack/<name>/<id>
    with _lock:
        _report[kind].append({"stackName": name, "logicalId": kwargs.get("LogicalId", ""), "type": kwargs.get("ResourceType", "")})


def _ignore(f, *args):
    """f(*args), ignoring a failure (what it removes went first)."""
    try:
        f(*args)
    except Exception:
        pass


# 1. Fn::GetStackOutput -------------------------------------------------------

_clean_json = parsing.clean_json


def clean_json(resource_json, resources_map):
    if isinstance(resource_json, dict) and "Fn::GetStackOutput" in resource_json:
        args = _clean_json(resource_json["Fn::GetStackOutput"], resources_map)
        account_id = resources_map._account_id
        region = args.get("Region") or resources_map._region_name
        try:
            stack = cloudformation_backends[account_id][region].get_stack(args["StackName"])
        except Exception:
            raise ValidationError(message=f"Fn::GetStackOutput: no stack {args['StackName']} in {account_id}/{region}")
        for output in stack.output_map.values():
            if output and output.key == args["OutputName"]:
                return output.value
        raise ValidationError(message=f"Fn::GetStackOutput: stack {args['StackName']} has no output {args['OutputName']}")
    return _clean_json(resource_json, resources_map)


parsing.clean_json = clean_json


# 2. Types whose service moto has ---------------------------------------------
#
# Each entry: type -> create(properties, account_id, region_name, name,
# logical_id), name the one moto generated, returning (physical ID,
# {attribute: value}, delete function or None).


def _policy(doc):
    """A policy (or any JSON document) as the API takes it: text."""
    return doc if isinstance(doc, str) else json.dumps(doc)


def _alarm(p, account_id, region_name, name, logical_id):
    """PutMetricAlarm through moto's own request handler: the template's
    properties are the API's parameters."""
    request = CloudWatchResponse()
    request.current_account, request.region = account_id, region_name
    request.params = dict(p, AlarmName=p.get("AlarmName") or name)
    request.put_metric_alarm()
    backend, name = request.cloudwatch_backend, request.params["AlarmName"]
    return name, {"Arn": backend.alarms[name].alarm_arn}, lambda: backend.delete_alarms([name])


def _queue_policy(p, account_id, region_name, name, logical_id):
    backend = sqs_backends[account_id][region_name]
    names = [url.rstrip("/").split("/")[-1] for url in p["Queues"]]
    for name in names:
        backend.set_queue_attributes(name, {"Policy": _policy(p["PolicyDocument"])})
    return f"{logical_id}-{random_suffix()}", {}, lambda: [_ignore(backend.set_queue_attributes, n, {"Policy": ""}) for n in names]


def _topic_policy(p, account_id, region_name, name, logical_id):
    for arn in p["Topics"]:  # the attribute's name as the API snake-cases it
        sns_backends[account_id][region_name].set_topic_attribute(arn, "policy", _policy(p["PolicyDocument"]))
    return f"{logical_id}-{random_suffix()}", {}, None


def _bucket_policy(p, account_id, region_name, name, logical_id):
    backend, bucket = s3_backends[account_id]["aws"], p["Bucket"]
    backend.put_bucket_policy(bucket, _policy(p["PolicyDocument"]).encode())
    return bucket, {}, lambda: _ignore(backend.delete_bucket_policy, bucket)


def _event_invoke_config(p, account_id, region_name, name, logical_id):
    backend, function = lambda_backends[account_id][region_name], p["FunctionName"]
    backend.put_function_event_invoke_config(
        function, {k: p[k] for k in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig") if k in p})
    return f"{function}-{p.get('Qualifier', '$LATEST')}", {}, lambda: _ignore(backend.delete_function_event_invoke_config, function)


def _subscription(p, account_id, region_name, name, logical_id):
    backend = sns_backends[account_id][region_name]
    sub = backend.subscribe(p["TopicArn"], p["Endpoint"], p["Protocol"])
    for key in ("FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy", "DeliveryPolicy"):
        if key in p:
            backend.set_subscription_attributes(sub.arn, key, _policy(p[key]))
    return sub.arn, {}, lambda: backend.unsubscribe(sub.arn)


def _alias(p, account_id, region_name, name, logical_id):
    backend, function = lambda_backends[account_id][region_name], p["FunctionName"]
    alias = backend.create_alias(p["Name"], function, str(p["FunctionVersion"]), p.get("Description", ""), p.get("RoutingConfig"))
    return alias.arn, {"AliasArn": alias.arn}, lambda: _ignore(backend.delete_alias, p["Name"], function)


def _alias_update(resource, p, account_id, region_name):
    """The alias moves to the new version in place (UpdateAlias), as
    CloudFormation updates it: same ARN, a new revision."""
    backend = lambda_backends[account_id][region_name]
    backend.update_alias(p["Name"], p["FunctionName"], str(p["FunctionVersion"]), p.get("Description", ""), p.get("RoutingConfig"))
    return resource


TAUGHT = {
    "AWS::CloudWatch::Alarm": _alarm,  # PutMetricAlarm
    "AWS::SQS::QueuePolicy": _queue_policy,  # the queues' Policy attribute
    "AWS::SNS::TopicPolicy": _topic_policy,  # the topics' Policy attribute
    "AWS::S3::BucketPolicy": _bucket_policy,  # PutBucketPolicy
    "AWS::Lambda::EventInvokeConfig": _event_invoke_config,  # retries, event age, destinations
    "AWS::SNS::Subscription": _subscription,  # Subscribe, then its attributes
    "AWS::Lambda::Alias": _alias,  # CreateAlias; an update moves it (UpdateAlias)
}
TAUGHT_UPDATES = {"AWS::Lambda::Alias": _alias_update}

# moto enforces bucket policies "basically" (principal *, conditions
# ignored): stored and read back, not enforced.
FakeBucket.get_permission = lambda self, action, resource: PermissionResult.NEUTRAL


class _Model(CloudFormationModel):
    """A resource moto's CloudFormation holds: a taught type, or a stand-in
    (resource_class_from_type gives their classes, so moto's own map of
    types, cloudformation_type, has no use for them). What
    CloudFormationModel does by default stays: every attribute may be asked
    for (has_cfn_attr), the resource is created at once (is_created), and
    delete() removes it."""

    __module__ = "moto.deploylocal"  # moto files models by the module's second part

    def __init_subclass__(cls, **kwargs):
        cls.__module__ = "moto.deploylocal"  # before moto's metaclass reads it
        super().__init_subclass__(**kwargs)

    def __init__(self, physical_id, attributes=None, delete=None):
        self._physical_id, self._attributes, self._delete = physical_id, attributes or {}, delete

    @property
    def physical_resource_id(self):
        return self._physical_id

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


def _taught(resource_type, create, update=None):
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        physical_id, attributes, delete = create(cloudformation_json["Properties"], account_id, region_name, resource_name, kwargs.get("LogicalId"))
        _record("taught", kwargs)
        return cls(physical_id, attributes, delete)

    members = {"create_from_cloudformation_json": classmethod(create_from_cloudformation_json)}
    if update:  # in place; else _Model's delete and create
        members["update_from_cloudformation_json"] = classmethod(
            lambda cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name:
            update(original_resource, cloudformation_json["Properties"], account_id, region_name))
    return type(resource_type.replace("::", ""), (_Model,), members)


TAUGHT_MODELS = {t: _taught(t, create, TAUGHT_UPDATES.get(t)) for t, create in TAUGHT.items()}


# 3. What moto's CloudFormation drops or gets wrong (FIXES) -------------------

FIXES = []


def _fix(model, resource_type, properties, before=None, after=None, methods=("create_from_cloudformation_json",)):
    """Wrap model's creation: before(cloudformation_json) -> the JSON moto
    gets; after(resource, properties, account_id, region_name) once moto
    created the resource."""
    for name in methods:
        original = getattr(model, name).__func__
        i = 1 if name == "create_from_cloudformation_json" else 2  # the JSON's position

        def wrapped(cls, *args, _original=original, _i=i, **kwargs):
            args = list(args)
            if before:
                if "cloudformation_json" in kwargs:
                    kwargs["cloudformation_json"] = before(kwargs["cloudformation_json"])
                else:
                    args[_i] = before(args[_i])
            resource = _original(cls, *args, **kwargs)
            if after:
                props = kwargs.get("cloudformation_json", args[_i] if len(args) > _i else {}).get("Properties", {})
                after(resource, props, *args[_i + 1:_i + 3])
            return resource

        setattr(model, name, classmethod(wrapped))
    FIXES.extend({"type": resource_type, "property": p} for p in properties)


def _as_json_string(key):
    """before: the property moto's backend parses as a JSON string, given
    as the template's object."""
    def before(cloudformation_json):
        props = cloudformation_json.get("Properties", {})
        if not isinstance(props.get(key), (str, type(None))):
            return dict(cloudformation_json, Properties=dict(props, **{key: json.dumps(props[key])}))
        return cloudformation_json
    return before


def _table(table, props, account_id, region_name):
    """PointInTimeRecoverySpecification and TimeToLiveSpecification ignored
    (the API's shapes are the template's: handed to the backend as they
    are); SSESpecification passed in the template's shape (SSEEnabled) where
    the backend reads the API's."""
    backend = dynamodb_backends[account_id][region_name]
    if "PointInTimeRecoverySpecification" in props:
        backend.update_continuous_backups(table.name, props["PointInTimeRecoverySpecification"])
    if "TimeToLiveSpecification" in props:
        backend.update_time_to_live(table.name, props["TimeToLiveSpecification"])
    sse = props.get("SSESpecification")
    if sse is not None:
        spec = {"Enabled": str(sse.get("SSEEnabled")).lower() == "true"}
        if sse.get("SSEType"):
            spec["SSEType"] = sse["SSEType"]
        spec["KMSMasterKeyId"] = sse.get("KMSMasterKeyId") or table._get_default_encryption_key(account_id, region_name)
        table.sse_specification = spec


def _bucket(bucket, props, account_id, region_name):
    """moto applies BucketEncryption and Tags only."""
    backend, name = s3_backends[account_id]["aws"], bucket.name
    if "VersioningConfiguration" in props:
        backend.put_bucket_versioning(name, props["VersioningConfiguration"]["Status"])
    if "PublicAccessBlockConfiguration" in props:
        backend.put_public_access_block(name, {k: str(v).lower() for k, v in props["PublicAccessBlockConfiguration"].items()})
    if str(props.get("NotificationConfiguration", {}).get("EventBridgeConfiguration", {}).get("EventBridgeEnabled")).lower() == "true":
        backend.put_bucket_notification_configuration(name, {"EventBridgeConfiguration": {}})
    if props.get("OwnershipControls", {}).get("Rules"):
        backend.put_bucket_ownership_controls(name, props["OwnershipControls"]["Rules"][0]["ObjectOwnership"])
    if props.get("LoggingConfiguration"):  # directly: PutBucketLogging wants the target's policy first
        logging = props["LoggingConfiguration"]
        bucket.logging = {"TargetBucket": logging["DestinationBucketName"], "TargetPrefix": logging.get("LogFilePrefix", "")}
    rules = []
    for r in props.get("LifecycleConfiguration", {}).get("Rules", []):
        rule = {"ID": r.get("Id", ""), "Status": r.get("Status", "Enabled"), "Filter": {"Prefix": r.get("Prefix", "")}}
        if "ExpirationInDays" in r:
            rule["Expiration"] = {"Days": str(r["ExpirationInDays"])}
        days = r.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays", r.get("NoncurrentVersionExpirationInDays"))
        if days is not None:
            rule["NoncurrentVersionExpiration"] = {"NoncurrentDays": str(days)}
        if "AbortIncompleteMultipartUpload" in r:
            rule["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": str(r["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])}
        rules.append(rule)
    if rules:
        backend.put_bucket_lifecycle(name, rules)


# AWS::Lambda::Function: moto passes Code, Handler, Role, Runtime,
# Description, MemorySize, Timeout, VpcConfig, Environment and
# ReservedConcurrentExecutions to CreateFunction, which takes these too.
LAMBDA_EXTRA = ("Architectures", "TracingConfig", "EphemeralStorage", "Layers", "ImageConfig", "PackageType", "DeadLetterConfig", "KmsKeyArn")
_create_function_lock = threading.Lock()
_lambda_create = LambdaFunction.create_from_cloudformation_json.__func__


def _lambda_create_with_extra(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    props, backend = cloudformation_json["Properties"], lambda_backends[account_id][region_name]
    create_function = backend.create_function
    with _create_function_lock:  # the replacement is for this call only
        backend.create_function = lambda spec: create_function({**spec, **{k: props[k] for k in LAMBDA_EXTRA if k in props}})
        try:
            return _lambda_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        finally:
            del backend.create_function


LambdaFunction.create_from_cloudformation_json = classmethod(_lambda_create_with_extra)


def _version_create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    """AWS::Lambda::Version: moto publishes it but answers neither Ref (the
    version's ARN) nor Fn::GetAtt Version (its number), which an alias
    reads."""
    backend, function = lambda_backends[account_id][region_name], cloudformation_json["Properties"]["FunctionName"]
    published = backend.publish_version(function, cloudformation_json["Properties"].get("Description", ""))
    version = LambdaVersion({"Version": published.version})
    version.arn = published.function_arn
    return version


LambdaVersion.create_from_cloudformation_json = classmethod(_version_create)


def _mapping_qualifier(mapping, props, account_id, region_name):
    """An event source mapping of an alias (FunctionName "name:alias", or the
    alias's ARN): moto keeps the ARN of the version the alias points at;
    Lambda keeps, invokes and answers with the alias's ARN."""
    name = str(props.get("FunctionName", ""))
    qualifier = (name.split(":function:")[-1] if ":function:" in name else name).split(":")[1:]
    if qualifier:
        prefix, function = mapping.function_arn.split(":function:")
        mapping.function_arn = f"{prefix}:function:{function.split(':')[0]}:{qualifier[0]}"


_fix(EventSourceMapping, "AWS::Lambda::EventSourceMapping", ["FunctionName (an alias)"], after=_mapping_qualifier)
LambdaVersion.physical_resource_id = property(lambda self: self.arn)
LambdaVersion.has_cfn_attr = classmethod(lambda cls, attr: attr in ("Version", "FunctionArn"))
LambdaVersion.get_cfn_attribute = lambda self, name: str(self.version) if name == "Version" else self.arn.rsplit(":", 1)[0]
FIXES.extend({"type": "AWS::Lambda::Version", "property": p} for p in ("Ref (the version's ARN)", "Fn::GetAtt Version"))
FIXES.extend({"type": "AWS::Lambda::Function", "property": p} for p in LAMBDA_EXTRA)
_fix(Table, "AWS::DynamoDB::Table", ["PointInTimeRecoverySpecification", "SSESpecification", "TimeToLiveSpecification"], after=_table)
_fix(FakeBucket, "AWS::S3::Bucket", ["VersioningConfiguration", "PublicAccessBlockConfiguration", "NotificationConfiguration",
                                      "OwnershipControls", "LoggingConfiguration", "LifecycleConfiguration"], after=_bucket)
_fix(Key, "AWS::KMS::Key", ["KeyPolicy"], before=_as_json_string("KeyPolicy"))  # else DescribeKey answers 500
_fix(Archive, "AWS::Events::Archive", ["EventPattern"], before=_as_json_string("EventPattern"),  # else CreateStack answers 500
     methods=("create_from_cloudformation_json", "update_from_cloudformation_json"))

# Answers: the attribute or physical ID moto gives, and CloudFormation's.
_log_group_attr = LogGroup.get_cfn_attribute
LogGroup.get_cfn_attribute = lambda self, name: (  # the CDK's IAM statements rely on the ":*"
    (lambda v: v + ":*" if name == "Arn" and not v.endswith(":*") else v)(_log_group_attr(self, name)))
FIXES.append({"type": "AWS::Logs::LogGroup", "property": "Fn::GetAtt Arn"})
for _model, _what in ((EventBus, "the bus's name"), (Archive, "the archive's name")):
    if not hasattr(_model, "physical_resource_id"):  # moto's Ref resolves to the object, a 500 for a rule on the bus
        _model.physical_resource_id = property(lambda self: self.name)
        FIXES.append({"type": "AWS::Events::" + _model.__name__, "property": f"Ref ({_what})"})
Rule.physical_resource_id = property(  # "bus|rule" on a custom bus; the CDK splits it for the alarm dimension
    lambda self: self.name if (getattr(self, "event_bus_name", "default") or "default") == "default" else f"{self.event_bus_name}|{self.name}")
FIXES.append({"type": "AWS::Events::Rule", "property": "Ref of a rule on a custom bus (bus|rule)"})


def _resolve_update_parameters(self, instance, incoming_params, _original=CloudFormationBackend._resolve_update_parameters):
    """UpdateStack with UsePreviousValue of a parameter created with its
    default (the CDK's BootstrapVersion): the value in effect, as
    CloudFormation does; moto fails with a KeyError."""
    declared = (getattr(instance, "template_dict", None) or {}).get("Parameters", {})
    for p in incoming_params:
        key = p["ParameterKey"]
        if p.get("UsePreviousValue") and key not in instance.parameters and "Default" in declared.get(key, {}):
            instance.parameters[key] = declared[key]["Default"]
    return _original(self, instance, incoming_params)


CloudFormationBackend._resolve_update_parameters = _resolve_update_parameters


def _refs(value):
    """The logical IDs a resource refers to: Ref, Fn::GetAtt, DependsOn."""
    if isinstance(value, list):
        return set().union(*map(_refs, value))
    if not isinstance(value, dict):
        return set()
    out = set().union(*map(_refs, value.values()))
    if isinstance(value.get("Ref"), str):
        out.add(value["Ref"])
    getatt, depends = value.get("Fn::GetAtt"), value.get("DependsOn") or []
    if getatt:
        out.add(getatt[0] if isinstance(getatt, list) else getatt.split(".")[0])
    return out | set([depends] if isinstance(depends, str) else depends)


def _update_in_dependency_order(self, template, parameters=None, _original=parsing.ResourceMap.update):
    """CloudFormation updates a resource before it creates a new one that
    refers to it; moto creates every new resource first. A code change then
    publishes the old code as the "new" AWS::Lambda::Version. So: first the
    modified resources an added one refers to (with the template as it was
    but for them), then the whole update."""
    diff = self.build_resource_diff(template, parameters)
    first = {m for a in diff["Add"] for m in _refs(template["Resources"][a]) if m in diff["Modify"]}
    first = {m for m in first if not _refs(template["Resources"][m]) & set(diff["Add"])}
    if first:
        before = dict(self._template, Resources=dict(self._template["Resources"]))
        before["Resources"].update({m: template["Resources"][m] for m in first})
        _original(self, before, parameters)
    return _original(self, template, parameters)


parsing.ResourceMap.update = _update_in_dependency_order
FIXES.append({"type": "AWS::CloudFormation::Stack", "property": "UpdateStack: a modified resource before the new ones that refer to it"})
FIXES.append({"type": "AWS::CloudFormation::Stack", "property": "UpdateStack UsePreviousValue of a defaulted parameter"})

NAME_LIMITS = {"AWS::Events::Archive": 48}  # moto's "{stack}-{logicalId}-{suffix}" may exceed a service's limit


def _generate_resource_name(resource_type, stack_name, logical_id, _original=parsing.generate_resource_name):
    name, limit = _original(resource_type, stack_name, logical_id), NAME_LIMITS.get(resource_type)
    if limit and len(name) > limit:
        suffix = name.rsplit("-", 1)[1]
        name = f"{stack_name}-{logical_id}"[: limit - len(suffix) - 1].rstrip("-") + "-" + suffix
    return name


parsing.generate_resource_name = _generate_resource_name
FIXES.extend({"type": t, "property": f"generated name (at most {n} characters)"} for t, n in NAME_LIMITS.items())


def _get_bucket_notification(self, _original=S3Response.get_bucket_notification):
    """GetBucketNotificationConfiguration leaves out the EventBridge
    configuration moto stores (and acts on): add it to what it serializes."""
    config = self.backend.get_bucket_notification_configuration(self.bucket_name)
    if config is not None and config.event_bridge is not None:
        serialized = self.serialized
        self.serialized = lambda result: serialized(ActionResult(dict(result.result, EventBridgeConfiguration={})))
    return _original(self)


S3Response.get_bucket_notification = _get_bucket_notification
_report["fixes"] = FIXES


# 4. Stand-ins for every other type --------------------------------------------


class StandIn(_Model):
    """A placeholder for a type moto does not know: nothing is created."""

    def get_cfn_attribute(self, attribute_name):
        region, account, physical_id = self._attributes["region"], self._attributes["account"], self._physical_id
        if attribute_name == "ApiEndpoint":  # AWS::ApiGatewayV2::Api
            return f"https://{physical_id}.execute-api.{region}.amazonaws.com"
        if attribute_name.endswith("Arn"):
            return f"arn:aws:deploylocal-standin:{region}:{account}:{physical_id}"
        return f"{physical_id}.{attribute_name}"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        _record("standIns", kwargs)
        return cls(f"standin{random_suffix().lower()[:8]}", {"region": region_name, "account": account_id})

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        return original_resource


_resource_class_from_type = parsing.resource_class_from_type


def resource_class_from_type(resource_type):
    if resource_type in TAUGHT_MODELS:
        return TAUGHT_MODELS[resource_type]
    cls = _resource_class_from_type(resource_type)
    if cls is None and resource_type not in parsing.NULL_MODELS:
        return StandIn
    return cls


parsing.resource_class_from_type = resource_class_from_type


# The server --------------------------------------------------------------------


def with_report(app):
    """The report endpoint, and every error answer's body written to stderr
    (moto.log): the CLI cannot always parse moto's errors."""

    def wsgi(environ, start_response):
        if environ.get("PATH_INFO") == REPORT_PATH:
            with _lock:
                body = json.dumps(_report).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        status = []
        chunks = list(app(environ, lambda s, headers, exc_info=None: status.append(s) or start_response(s, headers, exc_info)))
        if status and int(status[0].split()[0]) >= 400:
            body = b"".join(chunks)[:4000].decode("utf-8", "replace")
            print(f"deploylocal: {status[0]} for {environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')} "
                  f"{environ.get('HTTP_X_AMZ_TARGET', '')}: {body}", file=sys.stderr, flush=True)
        return chunks
    return wsgi


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    args = parser.parse_args()
    server = make_server("127.0.0.1", args.port, with_report(DomainDispatcherApplication(create_backend_app)), threaded=True)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())

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
