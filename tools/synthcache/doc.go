// Package synthcache runs a Go CDK app for the CDK CLI (cdk.json's "app" is
// `go run ./tools/cmd/synthcache`, so make synth, npx cdk synth and npx cdk
// deploy, and every test that runs the CLI, go through it; docs/synth.md). It
// does two things `go run ./app.go` does not:
//
//   - It builds the app with `go build -o .build/synthcache/<package>/app`,
//     which links only when the code or a build setting changed, and says
//     so on the first build in a checkout (the first on a machine compiles
//     aws-cdk-go: minutes). Go's build cache does that job: an app-binary
//     cache of its own saved under a second per synth and went (git
//     history, commit 11b87b1, has the measurement).
//
//   - It keeps the cloud assemblies of recent runs, keyed on every input the
//     app's build and run read: the go binary, the go env file, go.work,
//     every file of the module tree (the app's and the functions' sources,
//     cdk.json, go.mod, go.sum, testdata, ...) except .git and
//     node_modules folders and the top-level output folders
//     cdk.out, .build and bin (see skipDirs, skipTopDirs; symlinks are
//     followed, to files and to directories outside the module), the
//     environment (every variable except those of skippedEnv, which are
//     terminal and shell state; the CLI passes context and output folder in
//     CDK_CONTEXT_JSON and CDK_OUTDIR), the context overflow file the CLI
//     may pass instead, the Node binary jsii runs on, the working directory
//     and the arguments. When the key of a run equals the key of a cached
//     assembly, and every asset that assembly refers to is still in the
//     output folder as it was written, the files the app wrote then are put
//     back and the app does not run: no jsii, no CDK, no `go list`. Any
//     other case runs the app and records what it wrote. Set SYNTHCACHE_CACHE=off
//     to always run the app.
//
// The key is computed again after the run: an input that changed while the
// app ran leaves nothing recorded. Only runs that exit 0 are recorded.
//
// What the key cannot see, and so what an app behind synthcache must not do:
// read files outside its module (other than local replacements and go.work
// modules, which are keyed) or in the skipped folders, ask the network at
// synth time (context lookups are fine: the CLI caches them in
// cdk.context.json, which is keyed, and passes them as context), or write
// anything that differs from run to run (a timestamp, a random name) into
// the assembly. The same holds for any CDK app whose synth is to be
// reproducible; SYNTHCACHE_CACHE=off is the way out when it does not.
package synthcache
