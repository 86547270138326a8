package deploylocal

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/example/orderflow/tools/assembly"
	"github.com/example/orderflow/tools/moto"

	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// Options configure Run.
type Options struct {
	// Root of the project: go.mod, cdk.json, node_modules, functions/.
	// Required.
	Root string
	// Stage deployed, verified, redeployed and destroyed. Default: "dev".
	Stage string
	// Region for stages that pin none (environment-agnostic stacks go where
	// AWS_REGION says). Default: "eu-west-3", not the CLI's fallback
	// us-east-1, so that a region baked in by accident shows.
	Region string
	// Throwaway stage deployed with -c destroyData=true and destroyed.
	// Its account and region are pinned with -c stages.<name>.* flags, so
	// that path is rehearsed too. Default: "rehearsal".
	Throwaway string
	// ChangeFunction is the directory under functions/ whose code is
	// changed for the one-function update. Default: the first one.
	ChangeFunction string
	// WorkDir holds the assemblies, the logs and the CLI's HOME. Default: a
	// new temporary directory, removed afterwards unless the run failed.
	WorkDir string
	// Python with moto. Default: FindPython.
	Python string
	// Out receives progress and the tables. Default: io.Discard.
	Out io.Writer
	// Verbose streams the CLI's output to Out too.
	Verbose bool
}

// Result is what a rehearsal did and found.
type Result struct {
	Steps []Step
	// Dev and Throwaway are the read-backs of the stage's stacks and of the
	// throwaway stage's.
	Dev, Throwaway *Verification
	// WorkDir holds cdk.log (every CLI command and its output) and moto.log.
	WorkDir string
	Total   time.Duration
}

// Run rehearses the deploy (see the package documentation). It returns an
// error naming the first step that failed; Result holds every step so far.
func Run(ctx context.Context, o Options) (res *Result, err error) {
	start := time.Now()
	o.Stage, o.Region, o.Throwaway = cmp.Or(o.Stage, "dev"), cmp.Or(o.Region, "eu-west-3"), cmp.Or(o.Throwaway, "rehearsal")
	if o.Out == nil {
		o.Out = io.Discard
	}
	ownWork := o.WorkDir == ""
	if o.Root, err = filepath.Abs(o.Root); err == nil && o.ChangeFunction == "" {
		o.ChangeFunction, err = firstFunction(o.Root)
	}
	if err == nil && ownWork {
		o.WorkDir, err = os.MkdirTemp("", "deploylocal-")
	} else if err == nil {
		err = os.MkdirAll(o.WorkDir, 0o755)
	}
	if err == nil {
		o.WorkDir, err = filepath.Abs(o.WorkDir)
	}
	if err != nil {
		return nil, err
	}
	res = &Result{WorkDir: o.WorkDir}
	defer func() {
		res.Total = time.Since(start)
		if ownWork && err == nil {
			os.RemoveAll(o.WorkDir)
		}
	}()
	logFile, err := os.Create(filepath.Join(o.WorkDir, "cdk.log"))
	if err != nil {
		return res, err
	}
	defer logFile.Close()
	r := &rehearsal{o: o, res: res, log: &lockedWriter{w: logFile}}
	return res, r.run(ctx)
}

type rehearsal struct {
	o    Options
	res  *Result
	log  io.Writer
	cli  *cli
	aws  *clients
	emu  *moto.Server
	jobs []*synthJob
}

// step runs one named step, records it and prints its outcome.
func (r *rehearsal) step(name string, f func() (string, error)) error {
	fmt.Fprintf(r.o.Out, "deploy-local: %s ...\n", name)
	t := time.Now()
	detail, err := f()
	s := Step{Name: name, Duration: time.Since(t), Detail: detail, Err: err}
	r.res.Steps = append(r.res.Steps, s)
	if err != nil {
		fmt.Fprintf(r.o.Out, "deploy-local: %s: FAILED after %.1fs: %v\n", name, s.Duration.Seconds(), err)
		return fmt.Errorf("%s: %w", name, err)
	}
	if detail != "" {
		detail = ": " + detail
	}
	fmt.Fprintf(r.o.Out, "deploy-local: %s: ok (%.1fs)%s\n", name, s.Duration.Seconds(), detail)
	return nil
}

// synthJob is a synth running in the background.
type synthJob struct {
	done chan struct{}
	asm  *assembly.Assembly
	err  error
	took time.Duration
}

func (j *synthJob) wait(ctx context.Context) (*assembly.Assembly, error) {
	select {
	case <-j.done:
		return j.asm, j.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (r *rehearsal) run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer func() {
		cancel() // stops the background synths still running (a failure, Ctrl-C)
		for _, j := range r.jobs {
			<-j.done
		}
	}()
	o := r.o
	python, version := o.Python, ""
	if err := r.step("find moto", func() (note string, err error) {
		if python == "" {
			python, version, err = moto.FindPython(ctx, o.Root)
		}
		if version != "" && version != moto.Version {
			note = fmt.Sprintf(" (the launcher is written for %s)", moto.Version)
		}
		return fmt.Sprintf("%s, moto %s%s", python, version, note), err
	}); err != nil {
		return err
	}

	// The three synths run in the background while the emulator starts and
	// the account is bootstrapped; each is the CLI's own `cdk synth`.
	var echo io.Writer
	if o.Verbose {
		echo = &lockedWriter{w: o.Out}
	}
	// The CLI's deploy environment needs the endpoint, known once moto
	// listens; synth needs none.
	synthCLI, err := newCLI(o.Root, o.WorkDir, "http://localhost:1", o.Region, r.log, echo)
	if err != nil {
		return err
	}
	out := func(name string) string { return filepath.Join(o.WorkDir, name) }
	devJob := r.background(ctx, nil, func() (*assembly.Assembly, error) {
		return synthInto(ctx, synthCLI, o.Root, "", out("dev.out"), "stage="+o.Stage)
	})
	// The other two synthesize with the same app built once (go build, its
	// packages already in the Go build cache after the first synth) instead
	// of cdk.json's `go run`, which would compile and link the app again in
	// the copy of the project. Same code, same cdk.json context.
	app := out("app")
	appJob := r.background(ctx, devJob, func() (*assembly.Assembly, error) {
		return nil, goBuild(ctx, o.Root, app, r.log)
	})
	changedJob := r.background(ctx, appJob, func() (*assembly.Assembly, error) {
		copyDir := out("changed-src")
		if err := copyProject(o.Root, copyDir); err != nil {
			return nil, err
		}
		if err := changeFunction(copyDir, o.ChangeFunction); err != nil {
			return nil, err
		}
		return synthInto(ctx, synthCLI, copyDir, app, out("changed.out"), "stage="+o.Stage)
	})
	throwawayJob := r.background(ctx, appJob, func() (*assembly.Assembly, error) {
		// With the api deployed by canary, as prod deploys it: its CodeDeploy
		// application and deployment group are deployed too (the emulator has
		// no CodeDeploy: they are stand-ins, and the alias moves at once).
		return synthInto(ctx, synthCLI, o.Root, app, out("throwaway.out"), "stage="+o.Throwaway, "destroyData=true", "canary=api",
			"stages."+o.Throwaway+".account="+Account, "stages."+o.Throwaway+".region="+o.Region)
	})

	if err := r.step("start moto on 127.0.0.1", func() (string, error) {
		var err error
		if r.emu, err = moto.Start(ctx, o.Root, python, filepath.Join(o.WorkDir, "moto.log")); err != nil {
			return "", err
		}
		return r.emu.Localhost() + ", moto " + r.emu.Version, nil
	}); err != nil {
		return err
	}
	defer r.emu.Stop()
	if r.cli, err = newCLI(o.Root, o.WorkDir, r.emu.Localhost(), o.Region, r.log, echo); err != nil {
		return err
	}
	r.aws = newClients(r.emu.Localhost(), o.Region)

	bootstrap := func(region string) error {
		env := "aws://" + Account + "/" + region
		return r.step("cdk bootstrap "+env, func() (string, error) {
			_, err := r.cli.deployCmd(ctx, "bootstrap", env)
			return "", err
		})
	}
	if err := bootstrap(o.Region); err != nil {
		return err
	}

	var dev *assembly.Assembly
	if err := r.step("cdk synth -c stage="+o.Stage+" (as make synth)", func() (string, error) {
		var err error
		dev, err = devJob.wait(ctx)
		if err != nil {
			return "", err
		}
		if err := inEnvironment(dev, r.expectedEnvironment(o.Stage)); err != nil {
			return "", fmt.Errorf("%w (cdk.json stages.%s.*)", err, o.Stage)
		}
		return fmt.Sprintf("%d stacks, environment %s, synth took %.1fs", len(dev.Stacks), dev.Stacks[0].Environment, devJob.took.Seconds()), nil
	}); err != nil {
		return err
	}
	region := cmp.Or(dev.Region(), o.Region) // the region the stage pins, if any
	if region != o.Region {                  // the stage pins another region: bootstrap it too
		if err := bootstrap(region); err != nil {
			return err
		}
	}

	if err := r.step(fmt.Sprintf("cdk deploy --all --method=direct (%s)", o.Stage), func() (string, error) {
		_, err := r.deploy(ctx, dev)
		return "", err
	}); err != nil {
		return err
	}

	var deployed map[string]*DeployedStack
	var before snapshot
	if err := r.step("read back and compare with the templates", func() (string, error) {
		v, d, err := r.verify(ctx, dev, region)
		if err != nil {
			return "", err
		}
		r.res.Dev, deployed, before = v, d, state(v, d)
		PrintVerification(r.o.Out, fmt.Sprintf("Deployed stage %s (%s/%s) read back through the AWS SDK and compared with its templates:", o.Stage, Account, region), v)
		return summary(v), failure(v)
	}); err != nil {
		return err
	}

	if err := r.step("cdk deploy again, nothing changed", func() (string, error) {
		if err := r.deployUnchanged(ctx, dev, ""); err != nil {
			return "", err
		}
		v, d, err := r.verify(ctx, dev, region)
		if err != nil {
			return "", err
		}
		if diff := before.diff(state(v, d)); len(diff) > 0 {
			return "", fmt.Errorf("changed: %s", strings.Join(diff, "; "))
		}
		return fmt.Sprintf("the CLI reported no changes for every stack; all %d checked properties and every physical ID as before", len(v.Checks)), nil
	}); err != nil {
		return err
	}

	var changed *assembly.Assembly
	if err := r.step("cdk deploy with functions/"+o.ChangeFunction+" changed", func() (string, error) {
		var err error
		if changed, err = changedJob.wait(ctx); err != nil {
			return "", fmt.Errorf("synth of the changed copy: %w", err)
		}
		ch, err := oneFunctionChanged(templateDiff(dev, changed))
		if err != nil {
			return "", err
		}
		if err := r.deployUnchanged(ctx, changed, ch.stack); err != nil {
			return "", err
		}
		// The function's code changed; with a live alias, a version was
		// published (new logical ID), the alias moved to it in place (same
		// physical ID, another version) and the old version left the stack
		// but exists (retained: a rollback needs it). Every other checked
		// property and physical ID is as before.
		v, now, err := r.verify(ctx, changed, region)
		if err != nil {
			return "", err
		}
		deployed = now // the new version's physical ID, for the destroy's check
		if err := failure(v); err != nil {
			PrintVerification(r.o.Out, "After the update:", v)
			return "", err
		}
		after := state(v, now)
		if diff := before.diff(after); !ch.explains(diff) {
			return "", fmt.Errorf("changed: %v, want only %s's code%s", diff, ch.function, map[bool]string{true: ", its alias's version and its versions"}[ch.alias != ""])
		}
		detail := ""
		if ch.alias != "" {
			old, version := before[ch.key(ch.oldVersion, "physical ID")], ch.key(ch.alias, "FunctionVersion")
			if _, err := r.aws.lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: &old}); err != nil {
				return "", fmt.Errorf("the old version %s is gone (it must be retained for a rollback): %w", old, err)
			}
			detail = fmt.Sprintf(", one new version %s with the live alias moved to it in place (same ARN, version %s -> %s), the old version retained",
				after[ch.key(ch.newVersion, "physical ID")], strings.Trim(before[version], `"`), strings.Trim(after[version], `"`))
		}
		return fmt.Sprintf("only %s changed: its CodeSha256 is the new asset's%s; all %d other checked properties and every other physical ID as before; %d stack(s) reported no changes (synth of the changed copy: %.1fs, in the background)",
			ch.function, detail, len(v.Checks)-1, len(changed.Stacks)-1, changedJob.took.Seconds()), nil
	}); err != nil {
		return err
	}

	if err := r.step("cdk destroy --all", func() (string, error) {
		retained, gone, unprobed, err := r.destroy(ctx, changed, deployed, true)
		return fmt.Sprintf("stacks gone; still there (DeletionPolicy Retain): %s; %d others gone%s", strings.Join(retained, ", "), gone, unprobed), err
	}); err != nil {
		return err
	}

	var throwaway *assembly.Assembly
	return r.step(fmt.Sprintf("throwaway stage %s (-c destroyData=true, -c canary=api, account and region pinned by -c): deploy, read back, destroy", o.Throwaway), func() (string, error) {
		var err error
		if throwaway, err = throwawayJob.wait(ctx); err != nil {
			return "", fmt.Errorf("synth: %w", err)
		}
		if err := inEnvironment(throwaway, "aws://"+Account+"/"+o.Region); err != nil {
			return "", fmt.Errorf("%w from the -c flags", err)
		}
		if _, err := r.deploy(ctx, throwaway); err != nil {
			return "", err
		}
		v, d, err := r.verify(ctx, throwaway, o.Region)
		if err != nil {
			return "", err
		}
		r.res.Throwaway = v
		if err := failure(v); err != nil {
			PrintVerification(r.o.Out, "Throwaway stage "+o.Throwaway+":", v)
			return "", err
		}
		// As docs/operations.md says: empty the buckets, then destroy. Access-log
		// targets last: requests to the other buckets are logged there.
		emptied, err := r.emptyBuckets(ctx, throwaway, d)
		if err != nil {
			return "", err
		}
		_, gone, unprobed, err := r.destroy(ctx, throwaway, d, false) // nothing may stay
		return fmt.Sprintf("environment %s; %s; buckets emptied (%d objects), destroyed: stacks and all %d probed resources gone%s (synth: %.1fs, in the background)",
			throwaway.Stacks[0].Environment, summary(v), emptied, gone, unprobed, throwawayJob.took.Seconds()), err
	})
}

// deploy deploys every stack of asm.
func (r *rehearsal) deploy(ctx context.Context, asm *assembly.Assembly) (string, error) {
	return r.cli.deployCmd(ctx, "deploy", "--app", asm.Dir, "--all", "--method=direct", "--require-approval", "never", "--progress", "events")
}

// deployUnchanged deploys asm and checks that the CLI reports no changes for
// every stack but except.
func (r *rehearsal) deployUnchanged(ctx context.Context, asm *assembly.Assembly, except string) error {
	out, err := r.deploy(ctx, asm)
	for _, s := range asm.Stacks {
		if err == nil && s.Name != except && !strings.Contains(out, s.Name+" (no changes)") {
			err = fmt.Errorf("the CLI did not report %q", s.Name+" (no changes)")
		}
	}
	return err
}

// background runs f in a goroutine once after (if any) has succeeded; run
// waits for every such job before it returns.
func (r *rehearsal) background(ctx context.Context, after *synthJob, f func() (*assembly.Assembly, error)) *synthJob {
	j := &synthJob{done: make(chan struct{})}
	r.jobs = append(r.jobs, j)
	go func() {
		defer close(j.done)
		if after != nil {
			if _, err := after.wait(ctx); err != nil {
				j.err = err
				return
			}
		}
		t := time.Now()
		j.asm, j.err = f()
		j.took = time.Since(t)
	}()
	return j
}

// synthInto synthesizes the project in dir into outdir: with its cdk.json's
// app, or with app (an executable) when not empty.
func synthInto(ctx context.Context, c *cli, dir, app, outdir string, context ...string) (*assembly.Assembly, error) {
	if _, err := c.synth(ctx, dir, app, outdir, context...); err != nil {
		return nil, err
	}
	return assembly.Read(outdir)
}

// goBuild builds the app (the main package in root) into out.
func goBuild(ctx context.Context, root, out string, log io.Writer) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, ".")
	cmd.Dir = root
	b, err := cmd.CombinedOutput()
	fmt.Fprintf(log, "\n$ (cd %s && go build -o %s .)\n%s[%v]\n", root, out, b, err)
	if err != nil {
		return fmt.Errorf("go build the app: %w\n%s", err, b)
	}
	return nil
}

// verify reads back asm's deployed stacks and writes every check, with
// both values, to checks-<assembly>.txt in the work directory.
func (r *rehearsal) verify(ctx context.Context, asm *assembly.Assembly, region string) (*Verification, map[string]*DeployedStack, error) {
	rep, err := r.emu.Report(ctx)
	if err != nil {
		return nil, nil, err
	}
	v, d, err := verify(ctx, r.aws, asm, region, rep)
	if err != nil {
		return nil, nil, err
	}
	var b strings.Builder
	for _, c := range v.Checks {
		fmt.Fprintf(&b, "%s\n    want %s\n    got  %s\n", c, c.Want, c.Got)
	}
	name := "checks-" + strings.TrimSuffix(filepath.Base(asm.Dir), ".out") + ".txt"
	return v, d, os.WriteFile(filepath.Join(r.o.WorkDir, name), []byte(b.String()), 0o644)
}

// expectedEnvironment is what cdk.json pins for stage, as the manifest
// writes it (unknown-account and unknown-region where it pins none, or
// cdk.json cannot be read).
func (r *rehearsal) expectedEnvironment(stage string) string {
	var cdkJSON struct {
		Context map[string]any `json:"context"`
	}
	if data, err := os.ReadFile(filepath.Join(r.o.Root, "cdk.json")); err == nil {
		_ = json.Unmarshal(data, &cdkJSON)
	}
	account, _ := cdkJSON.Context["stages."+stage+".account"].(string)
	region, _ := cdkJSON.Context["stages."+stage+".region"].(string)
	return "aws://" + cmp.Or(account, "unknown-account") + "/" + cmp.Or(region, "unknown-region")
}

// inEnvironment checks that every stack of a is deployed to want.
func inEnvironment(a *assembly.Assembly, want string) error {
	var envs []string
	ok := true
	for _, s := range a.Stacks {
		envs = append(envs, s.Name+"="+s.Environment)
		ok = ok && s.Environment == want
	}
	if !ok {
		return fmt.Errorf("stacks' environments %v, want %s", envs, want)
	}
	return nil
}

func summary(v *Verification) string {
	t, standIns, types := v.total(), 0, map[string]bool{}
	for _, r := range v.Types {
		if r.Kind == StandIn {
			standIns += r.Resources
			types[r.Type] = true
		}
	}
	list := ""
	if len(types) > 0 {
		list = " (" + strings.Join(sortedKeys(types), ", ") + ")"
	}
	return fmt.Sprintf("%d checks ok, %d failed, %d not verifiable, %d stand-ins%s", t.OK, t.Failed, t.NotReported+t.Unresolved, standIns, list)
}

func failure(v *Verification) error {
	if n := len(v.Failed()); n > 0 {
		return fmt.Errorf("%d checks failed (listed above)", n)
	}
	return nil
}

// snapshot is what a read-back found, by "stack/logicalID what": every
// check's deployed value and every resource's physical ID.
type snapshot map[string]string

func state(v *Verification, deployed map[string]*DeployedStack) snapshot {
	s := snapshot{}
	for _, c := range v.Checks {
		s[c.Stack+"/"+c.LogicalID+" "+c.Property] = c.Got
	}
	for name, d := range deployed {
		for id, p := range d.Physical {
			s[name+"/"+id+" physical ID"] = p
		}
	}
	return s
}

// diff lists the keys whose values differ, and those only one has, sorted.
func (s snapshot) diff(t snapshot) []string {
	var out []string
	for k, v := range s {
		if tv, ok := t[k]; !ok || tv != v {
			out = append(out, k)
		}
	}
	for k := range t {
		if _, ok := s[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// functionChange is what a change to one function's code does to the
// templates: the function, and with a live alias, the alias and the version
// it moves from and to (a version's logical ID carries a hash of the code).
type functionChange struct{ stack, function, alias, oldVersion, newVersion string }

func (c functionChange) key(id, what string) string { return c.stack + "/" + id + " " + what }

// oneFunctionChanged checks that diffs are one function's change, and
// returns it.
func oneFunctionChanged(diffs []resourceDiff) (functionChange, error) {
	var c functionChange
	n := map[string]int{}
	for _, d := range diffs {
		n[d.typ]++
		switch {
		case d.typ == "AWS::Lambda::Function":
			c.stack, c.function = d.stack, d.id
		case d.typ == "AWS::Lambda::Alias":
			c.alias = d.id
		case d.typ == "AWS::Lambda::Version" && d.added:
			c.newVersion = d.id
		case d.typ == "AWS::Lambda::Version":
			c.oldVersion = d.id
		}
	}
	fn, alias, versions := n["AWS::Lambda::Function"], n["AWS::Lambda::Alias"], n["AWS::Lambda::Version"]
	if fn != 1 || alias > 1 || versions != 2*alias || fn+alias+versions != len(diffs) || alias == 1 && (c.newVersion == "" || c.oldVersion == "") {
		return functionChange{}, fmt.Errorf("the templates differ in %v, want one AWS::Lambda::Function (and, with a live alias, its alias and old and new AWS::Lambda::Version)", diffs)
	}
	return c, nil
}

// explains reports whether diff (the keys of two snapshots that differ)
// is the change's and nothing else: the function's code, and with a live
// alias, the alias's version (not its physical ID: it moves in place) and
// the versions (the new one's physical ID appears, the old one's leaves the
// stack).
func (c functionChange) explains(diff []string) bool {
	required, allowed := []string{c.key(c.function, "Code")}, []string{c.key(c.function, "Code")}
	if c.alias != "" {
		required = append(required, c.key(c.alias, "FunctionVersion"), c.key(c.oldVersion, "physical ID"), c.key(c.newVersion, "physical ID"))
		allowed = append(allowed, c.key(c.alias, "FunctionVersion"), c.key(c.oldVersion, ""), c.key(c.newVersion, ""))
	}
	for _, d := range diff {
		if !slices.ContainsFunc(allowed, func(p string) bool { return strings.HasPrefix(d, p) }) {
			return false
		}
	}
	for _, r := range required {
		if !slices.ContainsFunc(diff, func(d string) bool { return strings.HasPrefix(d, r) }) {
			return false
		}
	}
	return true
}

type resourceDiff struct {
	stack, id, typ string
	added          bool // only in the second assembly
}

func (d resourceDiff) String() string { return d.stack + "/" + d.id + " (" + d.typ + ")" }

// templateDiff lists the resources that differ between two assemblies.
func templateDiff(a, b *assembly.Assembly) []resourceDiff {
	var out []resourceDiff
	for _, sa := range a.Stacks {
		sb := b.Stack(sa.Name)
		if sb == nil {
			out = append(out, resourceDiff{sa.Name, "(stack)", "missing", false})
			continue
		}
		ids := map[string]assembly.Resource{}
		maps.Copy(ids, sa.Template.Resources)
		maps.Copy(ids, sb.Template.Resources)
		for _, id := range sortedKeys(ids) {
			ra, inA := sa.Template.Resources[id]
			if rb := sb.Template.Resources[id]; !reflect.DeepEqual(ra, rb) {
				out = append(out, resourceDiff{sa.Name, id, cmp.Or(ra.Type, rb.Type), !inA})
			}
		}
	}
	return out
}

// emptyBuckets empties every bucket of the assembly's deployed stacks,
// buckets that receive another's access logs last.
func (r *rehearsal) emptyBuckets(ctx context.Context, asm *assembly.Assembly, deployed map[string]*DeployedStack) (int, error) {
	type bucket struct {
		name      string
		logTarget bool
	}
	var buckets []bucket
	for _, st := range asm.Stacks {
		targets := map[string]bool{}
		for _, res := range st.Template.Resources {
			if lc, ok := res.Properties["LoggingConfiguration"].(map[string]any); ok {
				targets[assembly.RefID(lc["DestinationBucketName"])] = true
			}
		}
		for _, id := range st.Template.LogicalIDs() {
			if st.Template.Resources[id].Type == "AWS::S3::Bucket" {
				buckets = append(buckets, bucket{deployed[st.Name].Physical[id], targets[id]})
			}
		}
	}
	sort.SliceStable(buckets, func(i, j int) bool { return !buckets[i].logTarget && buckets[j].logTarget })
	var n int
	for _, b := range buckets {
		k, err := r.aws.emptyBucket(ctx, b.name)
		if err != nil {
			return n, err
		}
		n += k
	}
	return n, nil
}

// goesWithItsFunction reports whether res is a function's version whose
// function the stack deletes: Lambda deletes a function's versions with it,
// so DeletionPolicy Retain (which keeps them for a rollback while the
// function lives) cannot keep them.
func goesWithItsFunction(t *assembly.Template, res assembly.Resource) bool {
	if res.Type != "AWS::Lambda::Version" {
		return false
	}
	fn, ok := t.Resources[assembly.RefID(res.Properties["FunctionName"])]
	return ok && fn.Type == "AWS::Lambda::Function" && !fn.Retained()
}

// destroy destroys the assembly's stacks and checks that they are gone,
// that every resource with DeletionPolicy Retain still exists (when
// wantRetained) and that every other one is gone. It returns what still
// exists, how many are gone, and a note naming the types it cannot probe.
func (r *rehearsal) destroy(ctx context.Context, asm *assembly.Assembly, deployed map[string]*DeployedStack, wantRetained bool) (retained []string, gone int, unprobed string, err error) {
	if _, err := r.cli.deployCmd(ctx, "destroy", "--app", asm.Dir, "--all", "--force"); err != nil {
		return nil, 0, "", err
	}
	var problems []string
	unprobedSet := map[string]bool{}
	for _, st := range asm.Stacks {
		ok, err := r.aws.stackGone(ctx, st.Name)
		if err != nil {
			return nil, 0, "", err
		}
		if !ok {
			problems = append(problems, "stack "+st.Name+" still exists")
		}
		d := deployed[st.Name]
		for _, id := range st.Template.LogicalIDs() {
			res := st.Template.Resources[id]
			p := d.Physical[id]
			if strings.HasPrefix(p, "standin") {
				continue
			}
			exists, probed, err := r.aws.exists(ctx, d, id)
			if err != nil {
				return nil, 0, "", fmt.Errorf("probe %s %s: %w", res.Type, p, err)
			}
			if !probed {
				unprobedSet[res.Type] = true
				continue
			}
			switch {
			case exists:
				retained = append(retained, fmt.Sprintf("%s %s", res.Type, id))
				if !res.Retained() || !wantRetained {
					problems = append(problems, fmt.Sprintf("%s %s (%s) still exists", res.Type, id, p))
				}
			case res.Retained() && wantRetained && !goesWithItsFunction(st.Template, res):
				problems = append(problems, fmt.Sprintf("%s %s (%s) has DeletionPolicy Retain but is gone", res.Type, id, p))
			default:
				gone++
			}
		}
	}
	if len(problems) > 0 {
		return retained, gone, "", errors.New(strings.Join(problems, "; "))
	}
	if len(unprobedSet) > 0 {
		unprobed = "; not probed (no existence check for the type): " + strings.Join(sortedKeys(unprobedSet), ", ")
	}
	return retained, gone, unprobed, nil
}

// firstFunction returns the first directory under functions/ (by name)
// holding a main package.
func firstFunction(root string) (string, error) {
	entries, err := os.ReadDir(filepath.Join(root, "functions"))
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if e.IsDir() {
			if _, err := os.Stat(filepath.Join(root, "functions", e.Name(), "main.go")); err == nil {
				return e.Name(), nil
			}
		}
	}
	return "", fmt.Errorf("no function under %s/functions", root)
}

// skipCopy are the directories copyProject leaves out: build output,
// dependencies and VCS data, none of which the synth reads.
var skipCopy = map[string]bool{".git": true, "node_modules": true, "cdk.out": true, ".build": true, "bin": true, "events": true}

// copyProject copies the project at root to dst for the changed synth:
// every file but those under skipCopy directories (at the top level), modes
// kept. The project itself is never written to.
func copyProject(root, dst string) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if skipCopy[rel] || strings.HasPrefix(rel, "cdk.out") {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, info.Mode().Perm())
	})
}

// changeSource is added to the changed function in the copy: code that ends
// up in its binary (an init function the compiler cannot drop), so its
// asset, and only its asset, changes.
const changeSource = `package main

import "os"

// Added by deploylocal in its copy of the project: a change to this
// function's code, and to no other function's.
func init() {
	if os.Getenv("DEPLOYLOCAL_CHANGED_FUNCTION") == "print" {
		os.Stderr.WriteString("changed by deploylocal\n")
	}
}
`

func changeFunction(root, fn string) error {
	return os.WriteFile(filepath.Join(root, "functions", fn, "zz_deploylocal_change.go"), []byte(changeSource), 0o644)
}

// lockedWriter serializes writes from concurrent commands.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
