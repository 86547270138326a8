// Compares CloudFormation templates with the CDK's own diff library
// (@aws-cdk/cloudformation-diff, what `cdk diff` prints), for the Go package
// beside it (templatediff.Diff runs it with Node; make test, make snapshots,
// go run ./tools/cmd/templatediff).
//
// stdin:  [{"name": "S.template.json", "old": {...} | null, "new": {...} | null}, ...]
// stdout: one object a stack, in the same order:
//   {name, empty, added, removed, changed,        counts over every section
//    broadened,                                   the library's permissionsBroadened
//    text, security,                              the changes, formatSecurityChanges
//    resources: [{id, type, impact, stateful, replacedBy}],   every changed resource
//    statements: [{effect, principals, actions, resources, condition}]}  IAM statements added
'use strict';
const cfd = require('@aws-cdk/cloudformation-diff');
const { loadAwsServiceSpecSync } = require('@aws-cdk/aws-service-spec');

let db;
const stateful = (type) => {
  db ??= loadAwsServiceSpecSync();
  return !!db.lookup('resource', 'cloudFormationType', 'equals', type)[0]?.isStateful;
};

// A reference across stacks, {"Fn::GetStackOutput": {StackName, OutputName}},
// reads as "${Stack.LogicalId.Attribute}" (the CDK names those outputs
// PublishOutputFnGetAtt<LogicalId><Attribute><hash> and PublishOutputRef<LogicalId><hash>;
// CDK logical IDs end with 8 hex digits, as does the hash); the library would
// print the raw JSON.
const outputName = (n) => {
  let m = /^PublishOutputFnGetAtt([A-Za-z0-9]+?[0-9A-F]{8})([A-Z][A-Za-z]*)[0-9A-F]{8}$/.exec(n);
  if (m) return `${m[1]}.${m[2]}`;
  m = /^PublishOutputRef([A-Za-z0-9]+[0-9A-F]{8})[0-9A-F]{8}$/.exec(n);
  return m ? m[1] : n;
};
const readable = (v) => {
  if (Array.isArray(v)) return v.map(readable);
  if (v === null || typeof v !== 'object') return v;
  const o = v['Fn::GetStackOutput'];
  if (o && Object.keys(v).length === 1 && typeof o.StackName === 'string' && typeof o.OutputName === 'string') {
    return '${' + o.StackName + '.' + outputName(o.OutputName) + '}';
  }
  return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, readable(e)]));
};

// Two long strings at the same place (a dashboard body, an inline policy)
// are cut to the part that differs, 30 characters of context each side:
// "…\"Stage\",\"dev\"],{…" -> "…\"Stage\",\"prod\"],{…"; the library would print
// both whole. Arrays are walked only when of equal length (aligned).
const context = 30, maxLen = 400;
const cutPair = (o, n) => {
  if (typeof o === 'string' && typeof n === 'string') {
    if (o === n || o.length + n.length < 4 * context + 20) return [o, n];
    const a = [...o], b = [...n];
    let p = 0, s = 0;
    while (p < a.length && p < b.length && a[p] === b[p]) p++;
    while (s < a.length - p && s < b.length - p && a[a.length - 1 - s] === b[b.length - 1 - s]) s++;
    const cut = (x) => {
      const start = Math.max(p - context, 0), end = Math.min(x.length - s + context, x.length);
      let inner = x.slice(start, end).join('');
      if (inner.length > maxLen) inner = inner.slice(0, maxLen) + '…';
      return (start > 0 ? '…' : '') + inner + (end < x.length ? '…' : '');
    };
    return [cut(a), cut(b)];
  }
  const objects = o && n && typeof o === 'object' && typeof n === 'object';
  if (!objects || Array.isArray(o) !== Array.isArray(n) || (Array.isArray(o) && o.length !== n.length)) return [o, n];
  const co = Array.isArray(o) ? [] : {}, cn = Array.isArray(n) ? [] : {};
  for (const k of Object.keys(o)) co[k] = o[k];
  for (const k of Object.keys(n)) cn[k] = n[k];
  for (const k of Object.keys(o)) if (k in n) [co[k], cn[k]] = cutPair(o[k], n[k]);
  return [co, cn];
};

// formatDifferences without the security tables it starts with (the
// security field has them).
const formatChanges = (stream, diff) => {
  const f = new cfd.Formatter(stream, {}, diff);
  if (diff.awsTemplateFormatVersion || diff.transform || diff.description) {
    f.printSectionHeader('Template');
    f.formatDifference('AWSTemplateFormatVersion', 'AWSTemplateFormatVersion', diff.awsTemplateFormatVersion);
    f.formatDifference('Transform', 'Transform', diff.transform);
    f.formatDifference('Description', 'Description', diff.description);
    f.printSectionFooter();
  }
  for (const [title, type, c] of [['Parameters', 'Parameter', 'parameters'], ['Metadata', 'Metadata', 'metadata'],
    ['Mappings', 'Mapping', 'mappings'], ['Conditions', 'Condition', 'conditions']]) f.formatSection(title, type, diff[c]);
  f.formatSection('Resources', 'Resource', diff.resources, f.formatResourceDifference.bind(f));
  f.formatSection('Outputs', 'Output', diff.outputs);
  f.formatSection('Other Changes', 'Unknown', diff.unknown);
};

const print = (f) => {
  let out = '';
  f({ write: (s) => { out += s; return true; } });
  return out;
};

const compare = ({ name, old, new: nw }) => {
  const diff = cfd.fullDiff(readable(old ?? {}), readable(nw ?? {}));
  const shown = cfd.fullDiff(...cutPair(readable(old ?? {}), readable(nw ?? {})));
  const counts = { added: 0, removed: 0, changed: 0 };
  const count = (d) => { counts[d.isAddition ? 'added' : d.isRemoval ? 'removed' : 'changed']++; };
  for (const d of [diff.awsTemplateFormatVersion, diff.description, diff.transform]) if (d?.isDifferent) count(d);
  for (const c of ['parameters', 'conditions', 'mappings', 'metadata', 'resources', 'outputs', 'unknown']) {
    diff[c].forEachDifference((_, d) => count(d));
  }
  const resources = [];
  diff.resources.forEachDifference((id, d) => {
    const type = d.newResourceType ?? d.oldResourceType;
    const replacedBy = Object.entries(d.propertyUpdates ?? {})
      .filter(([, p]) => p.changeImpact === 'WILL_REPLACE' || p.changeImpact === 'MAY_REPLACE')
      .map(([p]) => p);
    if (d.resourceTypeChanged) replacedBy.unshift('Type');
    resources.push({ id, type, impact: d.changeImpact, stateful: stateful(d.oldResourceType ?? type), replacedBy });
  });
  const statements = diff.iamChanges.statements.additions.map((s) => ({
    effect: s.effect, principals: s.principals.values, actions: s.actions.values,
    resources: s.resources.values, condition: s.condition ?? null,
  }));
  return {
    name, empty: diff.isEmpty, ...counts, broadened: diff.permissionsBroadened,
    text: diff.isEmpty ? '' : print((w) => formatChanges(w, shown)),
    security: diff.permissionsAnyChanges ? print((w) => cfd.formatSecurityChanges(w, diff)) : '',
    resources, statements,
  };
};

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (c) => { input += c; });
process.stdin.on('end', () => process.stdout.write(JSON.stringify(JSON.parse(input).map(compare))));
