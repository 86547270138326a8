// Package integration runs the order flow's real functions, built for this
// machine, under the Lambda Runtime Interface Emulator against moto, a local
// AWS (DynamoDB, S3, SQS, SNS, EventBridge on 127.0.0.1; make test installs
// it). What a function sent is read back from moto. Each test starts with an
// empty moto and the resources it makes. See tools/localrun.
package integration
