// Package deploylocal rehearses `cdk deploy` of the order flow against moto,
// a local AWS emulator, with no Docker and no AWS account. Run by `make
// deploy-local` (tools/cmd/deploylocal) and by make test
// (TestDeployRehearsal in this package).
//
// Run synthesizes the app with the pinned CDK CLI exactly as `make synth`
// does, starts moto on 127.0.0.1 (tools/moto/motolaunch.py, which
// teaches moto's CloudFormation what the templates need without changing
// them), then with the same CLI: bootstraps account 123456789012, deploys
// every stack (--method=direct), reads each deployed resource back through
// aws-sdk-go-v2 and compares it with its template property by property,
// deploys again with nothing changed (the CLI must report no changes), deploys
// with one function's code changed (only that function may change), destroys
// (resources with DeletionPolicy Retain must remain, everything else must be
// gone), and finally deploys and destroys a throwaway stage with
// -c destroyData=true, which must leave nothing.
//
// Nothing can reach AWS: the CLI and the SDK get dummy keys, the emulator's
// endpoint, AWS config and credentials files of their own (no profile), a
// HOME of their own, and a proxy that refuses every connection not to
// localhost.
//
// The comparison is generic by CloudFormation type (see checkers), so
// resources added to the stacks later are read back too; a type without a
// checker is listed as not read back, and a type the emulator only stood in
// for is listed as such and never counted as verified.
package deploylocal
