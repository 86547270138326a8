// The scaling app of make bench: one stack of N plain functions (context
// "functions", default 5), each what the Go scaling app's gofunction.New
// makes (role, log group, function, three alarms), with the cdk-nag packs
// (nothing invokes them asynchronously: no dead-letter queue).
import * as cdk from 'aws-cdk-lib';
import { addChecks, GoFunction, suppress } from './lib';

const app = new cdk.App();
const n = Number(app.node.tryGetContext('functions') ?? 5);
const stack = new cdk.Stack(app, 'Scale');
for (let i = 0; i < n; i++) {
  const name = 'fn' + String(i).padStart(3, '0');
  const fn = new GoFunction(stack, 'Fn' + String(i).padStart(3, '0'), { entry: 'functions/' + name });
  suppress(fn.function, 'Serverless-LambdaDLQ', 'Not invoked asynchronously: nothing invokes the functions of the scaling benchmark.');
}
addChecks(app);
app.synth();
