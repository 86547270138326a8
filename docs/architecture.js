// Writes the Graphviz DOT source of docs/architecture.png from a synthesized
// app's tree.json, with cdk-dia (npm cdk-dia, a pinned devDependency):
//
//   node docs/architecture.js cdk.out/tree.json docs/architecture.dot
//
// `make diagram` runs it, then renders the DOT with Graphviz's dot. The test
// test/diagram_test.go runs it too and compares the output with the committed
// DOT: it needs Node only, so stale pictures are caught where Graphviz is not
// installed. The output depends only on the app (icon paths are relative to
// the project root), so every machine writes the same bytes.
//
// tree.json must lie in its cloud assembly (cdk.out, or the directory an
// in-process synth wrote): references between stacks go through stack
// outputs, and the outputs' values are in the templates next to it.
//
// What the script adds to cdk-dia's picture:
//   - Edges between stacks. cdk-dia draws an edge for a Ref or Fn::GetAtt
//     within a stack only; a reference to another stack of the app
//     (Fn::GetStackOutput, the CDK's weak references, or Fn::ImportValue, its
//     strong ones) becomes an edge to the resource behind the output.
//   - Grants. Roles and policies are hidden, so what a function may do to a
//     resource would vanish with them: every Allow statement of a policy
//     becomes an edge from each resource that uses the policy's role (the
//     functions) to each resource the statement names, labelled with its
//     actions ("GetItem PutItem"). A reference that is also a grant is one
//     edge, with the label.
'use strict';

const fs = require('fs');
const path = require('path');

const cdkDiaDir = fs.realpathSync(path.dirname(require.resolve('cdk-dia/package.json')));
const cdkDia = (module) => require(path.join(cdkDiaDir, 'dist', 'src', module));
const { Tree } = cdkDia('cdk/cdk-tree');
const { AwsDiagramGenerator, AwsEdgeResolver, AwsIconSupplier, ComponentTags } = cdkDia('diagram');
const { GraphvizGenerator } = cdkDia('render/graphviz/GraphvizGenerator');
const { toDot } = require(require.resolve('ts-graphviz', { paths: [cdkDiaDir] }));

// Resource types left out of the picture: permissions, logs and monitoring.
// Every function has a role and a log group, every construct its alarms, and
// the dashboard points at everything; drawn, they bury the data flow. What
// the roles' policies grant is drawn as labelled edges instead.
const HIDDEN_TYPES = new Set([
  'AWS::IAM::Role',
  'AWS::IAM::Policy',
  'AWS::Logs::LogGroup',
  'AWS::CloudWatch::Alarm',
  'AWS::CloudWatch::CompositeAlarm',
  'AWS::CloudWatch::Dashboard',
  'AWS::KMS::Key',
  'AWS::KMS::Alias',
]);

// cdk-dia's options (its CLI's --collapse and --collapse-double-clusters):
// collapse constructs it knows, but keep a box around a construct with a
// single child box, so that e.g. the stream's dead-letter queue stays inside
// OrdersStream.
const COLLAPSE = true;
const COLLAPSE_DOUBLE_CLUSTERS = false;

const TYPE = 'aws:cdk:cloudformation:type';
const LOGICAL_ID = 'aws:cdk:cloudformation:logicalId';
const PROPS = 'aws:cdk:cloudformation:props';

// Pseudo parameters are Refs to no resource.
const isPseudo = (id) => id.startsWith('AWS::');

// prune returns node without the hidden resources, or null when nothing of it
// is left: a construct whose resources are all hidden goes too.
function prune(node) {
  const type = node.attributes && node.attributes[TYPE];
  if (HIDDEN_TYPES.has(type)) {
    return null;
  }
  if (!node.children) {
    return node;
  }
  const children = {};
  for (const [id, child] of Object.entries(node.children)) {
    const kept = prune(child);
    if (kept !== null) {
      children[id] = kept;
    }
  }
  if (Object.keys(children).length === 0 && type === undefined) {
    return null;
  }
  return { ...node, children };
}

// walk calls visit(value, key) for every value under v, depth first, in
// document order.
function walk(v, visit) {
  if (Array.isArray(v)) {
    v.forEach((x) => { visit(x); walk(x, visit); });
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      visit(x, k);
      walk(x, visit);
    }
  }
}

// localRefs returns the logical IDs (of resources or parameters) that v
// refers to within its own template: Ref, Fn::GetAtt (both forms) and the
// ${Id} or ${Id.Attr} of Fn::Sub.
function localRefs(v) {
  const ids = [];
  const visitObject = (o) => {
    if (o === null || typeof o !== 'object' || Array.isArray(o)) {
      return;
    }
    if (typeof o.Ref === 'string') {
      ids.push(o.Ref);
    }
    const att = o['Fn::GetAtt'];
    if (Array.isArray(att) && typeof att[0] === 'string') {
      ids.push(att[0]);
    } else if (typeof att === 'string') {
      ids.push(att.split('.')[0]);
    }
    const sub = o['Fn::Sub'];
    const [template, vars] = Array.isArray(sub) ? sub : [sub, {}];
    if (typeof template === 'string') {
      for (const m of template.matchAll(/\$\{([^!}][^}]*)\}/g)) {
        const id = m[1].split('.')[0];
        if (!(vars && Object.hasOwn(vars, id))) {
          ids.push(id);
        }
      }
    }
  };
  visitObject(v);
  walk(v, visitObject);
  return [...new Set(ids)].filter((id) => !isPseudo(id));
}

// Assembly is what the cloud assembly around tree.json says about its
// stacks: for each, its construct path, its resources' paths by logical ID
// (from the tree) and its outputs (from its template).
class Assembly {
  constructor(treeJsonPath, tree) {
    this.stacks = []; // { path, name, region, outputs, resourceIds, resources: Map logicalId -> path }
    this.readManifest(path.dirname(treeJsonPath));
    const byPath = new Map(this.stacks.map((s) => [s.path, s]));
    // Every resource belongs to the nearest enclosing stack.
    const index = (node, stack) => {
      stack = byPath.get(node.path) || stack;
      const attrs = node.attributes || {};
      if (stack && attrs[LOGICAL_ID] !== undefined) {
        stack.resources.set(attrs[LOGICAL_ID], node.path);
      }
      for (const child of Object.values(node.children || {})) {
        index(child, stack);
      }
    };
    index(tree.tree, undefined);
  }

  readManifest(dir) {
    const manifestPath = path.join(dir, 'manifest.json');
    if (!fs.existsSync(manifestPath)) {
      throw new Error(`${manifestPath} not found: give the tree.json of a cloud assembly (cdk.out)`);
    }
    const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
    for (const [id, artifact] of Object.entries(manifest.artifacts || {})) {
      const props = artifact.properties || {};
      if (artifact.type === 'cdk:cloud-assembly') { // a Stage's stacks
        this.readManifest(path.join(dir, props.directoryName));
      }
      if (artifact.type !== 'aws:cloudformation:stack') {
        continue;
      }
      const template = JSON.parse(fs.readFileSync(path.join(dir, props.templateFile), 'utf8'));
      this.stacks.push({
        path: artifact.displayName || id,
        name: props.stackName || id,
        region: (artifact.environment || '').split('/')[3],
        outputs: template.Outputs || {},
        resourceIds: new Set(Object.keys(template.Resources || {})),
        resources: new Map(),
      });
    }
  }

  stackOfPath(p) {
    let best;
    for (const s of this.stacks) {
      if ((p === s.path || p.startsWith(s.path + '/')) && (!best || s.path.length > best.path.length)) {
        best = s;
      }
    }
    return best;
  }

  // producers returns the paths of the resources of other stacks that v
  // refers to through Fn::GetStackOutput or Fn::ImportValue. A reference to
  // a stack outside the assembly (an import) has no resource in the picture:
  // it is skipped. One to a stack of the assembly that has no such output
  // means the assembly is inconsistent: an error.
  producers(v) {
    const paths = [];
    const fromOutput = (stack, output, what) => {
      if (!output) {
        throw new Error(`${what}: no such output in ${stack.name} (${stack.path})`);
      }
      for (const id of localRefs(output.Value).filter((i) => stack.resourceIds.has(i))) {
        const p = stack.resources.get(id);
        if (p === undefined) {
          throw new Error(`${what}: output refers to resource ${id}, which ${stack.path} in tree.json does not hold`);
        }
        paths.push(p);
      }
    };
    const visit = (o) => {
      if (o === null || typeof o !== 'object' || Array.isArray(o)) {
        return;
      }
      const gso = o['Fn::GetStackOutput'];
      if (gso && typeof gso.StackName === 'string' && typeof gso.OutputName === 'string') {
        const region = typeof gso.Region === 'string' ? gso.Region : undefined;
        const stack = this.stacks.find((s) => s.name === gso.StackName &&
          (region === undefined || s.region === undefined || s.region === 'unknown-region' || s.region === region));
        if (stack) {
          fromOutput(stack, stack.outputs[gso.OutputName], `Fn::GetStackOutput ${gso.StackName}.${gso.OutputName}`);
        }
      }
      const imp = o['Fn::ImportValue'];
      if (typeof imp === 'string') {
        for (const stack of this.stacks) {
          const output = Object.values(stack.outputs).find((out) => out.Export && out.Export.Name === imp);
          if (output) {
            fromOutput(stack, output, `Fn::ImportValue ${imp}`);
          }
        }
      }
    };
    visit(v);
    walk(v, visit);
    return [...new Set(paths)];
  }

  // targets returns the paths of the resources v refers to: in its own
  // stack (Ref, Fn::GetAtt, Fn::Sub) and in the others.
  targets(v, stack) {
    const local = localRefs(v).map((id) => stack.resources.get(id)).filter((p) => p !== undefined);
    return [...new Set([...local, ...this.producers(v)])];
  }
}

// grants returns, for every Allow statement of every IAM policy in the tree
// (AWS::IAM::Policy and AWS::IAM::ManagedPolicy attached to roles, a role's
// inline policies), one { from, to, actions } per resource that uses the
// role (refers to it: a function's Role) and resource the statement names.
// Statements on "*" or on ARNs of no resource of the app draw nothing.
function grants(tree, assembly) {
  const nodes = [];
  const collect = (node) => {
    if (node.attributes && node.attributes[TYPE] !== undefined) {
      nodes.push(node);
    }
    Object.values(node.children || {}).forEach(collect);
  };
  collect(tree.tree);

  // The users of a role: the visible resources of its stack that refer to it.
  const users = (stack, roleId) => nodes.filter((n) => {
    const attrs = n.attributes;
    return !HIDDEN_TYPES.has(attrs[TYPE]) && assembly.stackOfPath(n.path) === stack &&
      localRefs(attrs[PROPS] || {}).includes(roleId);
  }).map((n) => n.path);

  const out = [];
  const add = (stack, roleIds, document) => {
    const from = [...new Set(roleIds.flatMap((id) => users(stack, id)))];
    for (const st of [].concat((document && document.Statement) || [])) {
      if (st.Effect !== 'Allow' || st.Resource === undefined) {
        continue;
      }
      const actions = [].concat(st.Action || []).filter((a) => typeof a === 'string');
      for (const to of assembly.targets(st.Resource, stack)) {
        for (const f of from) {
          out.push({ from: f, to, actions });
        }
      }
    }
  };
  for (const n of nodes) {
    const attrs = n.attributes;
    const props = attrs[PROPS] || {};
    const stack = assembly.stackOfPath(n.path);
    if (!stack) {
      continue;
    }
    switch (attrs[TYPE]) {
      case 'AWS::IAM::Policy':
      case 'AWS::IAM::ManagedPolicy':
        add(stack, localRefs(props.roles || []), props.policyDocument);
        break;
      case 'AWS::IAM::Role':
        for (const p of props.policies || []) {
          add(stack, [attrs[LOGICAL_ID]], p.policyDocument);
        }
        break;
      default:
    }
  }
  return out;
}

// CrossStackTarget is an edge target in another stack, by construct path.
class CrossStackTarget {
  constructor(targetPath) {
    this.path = targetPath;
  }

  isEqual(other) {
    return other instanceof CrossStackTarget && other.path === this.path;
  }
}

// EdgeResolver is cdk-dia's, plus the references to other stacks.
class EdgeResolver extends AwsEdgeResolver {
  constructor(assembly) {
    super();
    this.assembly = assembly;
  }

  edgeTargets(node) {
    const targets = super.edgeTargets(node);
    const props = node.attributes.get(PROPS);
    if (props !== undefined) {
      for (const p of this.assembly.producers(props)) {
        targets.push(new CrossStackTarget(p));
      }
    }
    return targets;
  }

  findTargetComponent(cdkStackTree, target) {
    if (target instanceof CrossStackTarget) {
      return cdkStackTree.treeRoot().subTreeFindComponentById(AwsDiagramGenerator.sanitizeComponentId(target.path));
    }
    return super.findTargetComponent(cdkStackTree, target);
  }
}

// componentOf returns the box of the picture that stands for the construct at
// path: the deepest component whose ID is path or an ancestor of it, when
// that is a box (not a cluster); else undefined (the resource is hidden).
function componentOf(root, constructPath) {
  let id = AwsDiagramGenerator.sanitizeComponentId(constructPath);
  for (;;) {
    const c = root.subTreeFindComponentById(id);
    if (c) {
      return c.subComponents().length === 0 ? c : undefined;
    }
    const i = id.lastIndexOf('/');
    if (i < 0) {
      return undefined;
    }
    id = id.slice(0, i);
  }
}

// edgeKey identifies the edge from one component to another.
const edgeKey = (from, to) => `${from.id}\n${to.id}`;

// label is the text of a grant edge: its actions without the service prefix
// (the target's icon says the service), sorted, two to a line.
function label(actions) {
  const names = [...new Set([...actions].map((a) => a.slice(a.indexOf(':') + 1)))].sort();
  const lines = [];
  for (let i = 0; i < names.length; i += 2) {
    lines.push(names.slice(i, i + 2).join(' '));
  }
  return lines.join('\n');
}

// stackOf returns the component of the stack that holds c.
const stackOf = (c) => c.treeAncestorWithTag(ComponentTags.isCdkStack, 'true');

// LabelledGraphvizGenerator is cdk-dia's DOT generator with two changes that
// keep the flows between stacks readable:
//   - Edges are curves with the grant labels (Graphviz's orthogonal edges,
//     cdk-dia's choice, take no labels), and the graph is laid out top down.
//   - An edge between two stacks is written from the resource of the
//     producing stack to its user. Edges have a dot at both ends, so the
//     picture says the same; but Graphviz ranks an edge's head below its
//     tail, so the stack that others refer to (the table, the bucket) comes
//     first, and its edges fan out to each user instead of converging on it
//     from one side.
class LabelledGraphvizGenerator extends GraphvizGenerator {
  constructor(labels) {
    super();
    this.labels = labels;
  }

  generate(dia) {
    const graph = super.generate(dia);
    graph.set('splines', 'spline');
    graph.set('rankdir', 'TB');
    return graph;
  }

  addEdges(g, node) {
    for (const other of node.links.getLinkedComponents()) {
      if (node.depth() === 1 && other.depth() === 1) {
        // A link between two whole stacks: drawn as cdk-dia does, between
        // the clusters.
        const a = this.findFirstArbitraryClusterDirectLeaf(node);
        const b = this.findFirstArbitraryClusterDirectLeaf(other);
        if (a !== undefined && b !== undefined) {
          g.createEdge([a.id, b.id], {
            dir: 'both', ltail: `cluster-SubGraph.${node.id}`, lhead: `cluster-SubGraph.${other.id}`,
            color: 'black', penwidth: 1,
          });
        }
        continue;
      }
      const crossStack = stackOf(node) !== stackOf(other);
      const [from, to] = crossStack ? [other, node] : [node, other];
      const attrs = { dir: 'both' };
      const text = this.labels.get(edgeKey(node, other));
      if (text !== undefined) {
        Object.assign(attrs, { label: text, fontname: 'Sans-Serif', fontsize: 11, fontcolor: '#8A5A0F' });
      }
      g.createEdge([from.id, to.id], attrs);
    }
    node.subComponents().forEach((sub) => this.addEdges(g, sub));
  }
}

function main() {
  const [treePath, dotPath] = process.argv.slice(2);
  if (!treePath || !dotPath) {
    console.error('usage: node docs/architecture.js TREE_JSON OUT_DOT');
    process.exit(2);
  }
  const raw = JSON.parse(fs.readFileSync(treePath, 'utf8'));
  const assembly = new Assembly(treePath, raw);
  const granted = grants(raw, assembly);

  const tree = Tree.fromObject({ ...raw, tree: prune(raw.tree) });
  // Icons by a path relative to the project root, where dot runs.
  const root = fs.realpathSync(path.join(__dirname, '..'));
  const icons = path.relative(root, cdkDiaDir);
  const generator = new AwsDiagramGenerator(new EdgeResolver(assembly), new AwsIconSupplier(icons));
  const diagram = generator.generate(tree, COLLAPSE, COLLAPSE_DOUBLE_CLUSTERS);

  // Grants become edges between the boxes standing for the role's user and
  // the resource, with the union of the actions as the label.
  const actions = new Map();
  for (const g of granted) {
    const from = componentOf(diagram.root, g.from);
    const to = componentOf(diagram.root, g.to);
    if (!from || !to || from === to) {
      continue;
    }
    from.links.addLink(to);
    const key = edgeKey(from, to);
    actions.set(key, new Set([...(actions.get(key) || []), ...g.actions]));
  }
  const labels = new Map([...actions].map(([k, a]) => [k, label(a)]));

  const dot = toDot(new LabelledGraphvizGenerator(labels).generate(diagram));
  fs.writeFileSync(dotPath, dot.endsWith('\n') ? dot : dot + '\n');
}

try {
  main();
} catch (err) {
  console.error(err);
  process.exit(1);
}
