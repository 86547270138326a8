// Package localrun runs the order flow's Lambda functions on this machine: it
// reads each function's configuration from the synthesized templates
// (Assembly), builds the function for the host with the deployment's flags
// (Build), runs it under the Lambda Runtime Interface Emulator (Emulator),
// serves an HTTP API through it as API Gateway would (APIProxy), and makes
// the templates' tables, buckets, queues, topics and buses on the local AWS
// it talks to, moto (tools/moto), under local names (CreateResources). It
// also makes events in the shapes AWS sends (SampleEvents, StreamRecord,
// SQSMessages, ObjectCreated, Scheduled).
//
// Everything listens on 127.0.0.1 and stops on Stop or Close; child
// processes also die with this process (Linux). No function imports this
// package. Run by tools/cmd/localrun (make invoke, events, api and
// local-services; docs/local.md), by test/integration (make test) and by
// bench (make bench).
package localrun
