#!/usr/bin/env node
// deploy-target: where a synthesized stage deploys to, for CI's deploy job.
//
//   node tools/deploy-target.js <cloud assembly dir> <stack name prefix>
//
// Reads the assembly's manifest.json: every stack whose name starts with the
// prefix must have the same environment, aws://ACCOUNT/REGION, which app.go
// took from cdk.json's stages.<stage>.account/region (or -c flags) at synth;
// "unknown-account"/"unknown-region" mean the stage pins none
// (environment-agnostic stacks). AWS_REGION_VAR is the workflow's
// vars.AWS_REGION (may be empty).
//
// Prints, for $GITHUB_OUTPUT:
//   region=<the stage's region, else AWS_REGION_VAR>
//   account=<the stage's account, or empty when it pins none>
// and exits 1 with a message naming both values when the stage pins a
// region and AWS_REGION_VAR names another one, when neither gives a region,
// when no stack matches the prefix, or when the matching stacks disagree.
'use strict';
const fs = require('fs');
const path = require('path');

function fail(msg) {
  process.stderr.write(`deploy-target: ${msg}\n`);
  process.exit(1);
}

const [dir, prefix] = process.argv.slice(2);
if (!dir || !prefix) fail('usage: deploy-target.js <cloud assembly dir> <stack name prefix>');
const varRegion = (process.env.AWS_REGION_VAR || '').trim();

let manifest;
try {
  manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
} catch (e) {
  fail(`${path.join(dir, 'manifest.json')}: ${e.message}`);
}
const envs = new Map(); // environment -> stack names
for (const [name, art] of Object.entries(manifest.artifacts || {})) {
  if (art.type !== 'aws:cloudformation:stack' || !name.startsWith(prefix)) continue;
  if (!envs.has(art.environment)) envs.set(art.environment, []);
  envs.get(art.environment).push(name);
}
if (envs.size === 0) fail(`no stack named ${prefix}* in ${dir}/manifest.json`);
if (envs.size > 1) {
  fail(`the ${prefix}* stacks disagree on their environment: ` +
    [...envs].map(([env, names]) => `${names.join(', ')}: ${env}`).join('; '));
}
const env = [...envs.keys()][0];
const m = /^aws:\/\/([^/]+)\/([^/]+)$/.exec(env);
if (!m) fail(`unexpected environment ${JSON.stringify(env)} in ${dir}/manifest.json`);
const account = m[1] === 'unknown-account' ? '' : m[1];
const stageRegion = m[2] === 'unknown-region' ? '' : m[2];

let region = stageRegion;
if (stageRegion && varRegion && stageRegion !== varRegion) {
  fail(`the stage pins region ${stageRegion} (cdk.json stages.<stage>.region) but vars.AWS_REGION is ${varRegion}: ` +
    'make them agree, or empty vars.AWS_REGION to deploy where the stage says');
}
if (!region) region = varRegion;
if (!region) {
  fail('the stage pins no region (cdk.json stages.<stage>.region is empty) and vars.AWS_REGION is not set: set one of them');
}
process.stdout.write(`region=${region}\naccount=${account}\n`);
