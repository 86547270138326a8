// Package integration runs the order flow's real functions, built for this
// machine, under the Lambda Runtime Interface Emulator against local
// AWS-compatible services: dynalite for DynamoDB (from node_modules: `npm ci`),
// gofakes3 in process for S3, and a recording fake at the SDK boundary for
// SQS. Each test starts what it needs on free loopback ports and stops it when
// it ends, also on failure. See tools/localrun.
package integration
