// Writes the Graphviz DOT source of docs/architecture.png from a synthesized
// app's tree.json, with cdk-dia (npm cdk-dia, a pinned devDependency):
//
//   node docs/architecture.js cdk.out/tree.json docs/architecture.dot
//
// `make diagram` runs it, then renders the DOT with Graphviz's dot. The test
// test/diagram_test.go runs it too and compares the output with the committed
// DOT: it needs Node only, so stale pictures are caught where Graphviz is not
// installed. The output depends only on the tree (icon paths are relative to
// the project root), so every machine writes the same bytes.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { CdkDia, Renderers } = require('cdk-dia/dist/src/cdk-dia');
const { Graphviz } = require('cdk-dia/dist/src/render/graphviz/graphviz');

// Resource types left out of the picture: permissions, logs and monitoring.
// Every function has a role and a log group, every construct its alarms, and
// the dashboard points at everything; drawn, they bury the data flow.
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

// prune returns node without the hidden resources, or null when nothing of it
// is left: a construct whose resources are all hidden goes too.
function prune(node) {
  const type = node.attributes && node.attributes['aws:cdk:cloudformation:type'];
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

async function main() {
  const [treePath, dotPath] = process.argv.slice(2);
  if (!treePath || !dotPath) {
    console.error('usage: node docs/architecture.js TREE_JSON OUT_DOT');
    process.exit(2);
  }
  const tree = JSON.parse(fs.readFileSync(treePath, 'utf8'));
  tree.tree = prune(tree.tree);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'architecture-'));
  try {
    const prunedTree = path.join(tmp, 'tree.json');
    fs.writeFileSync(prunedTree, JSON.stringify(tree));
    // DOT only: Graphviz renders it afterwards (make diagram), or never (test).
    Graphviz.generatePng = async () => {};
    const cdkDia = path.dirname(require.resolve('cdk-dia/package.json'));
    await new CdkDia().generateDiagram(prunedTree, path.join(tmp, 'architecture.png'),
      COLLAPSE, COLLAPSE_DOUBLE_CLUSTERS, cdkDia, false, undefined, Renderers.GRAPHVIZ);
    const root = fs.realpathSync(path.join(__dirname, '..'));
    const dot = fs.readFileSync(path.join(tmp, 'architecture.dot'), 'utf8')
      .split(fs.realpathSync(cdkDia) + path.sep).join(path.relative(root, fs.realpathSync(cdkDia)) + '/');
    fs.writeFileSync(dotPath, dot.endsWith('\n') ? dot : dot + '\n');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
