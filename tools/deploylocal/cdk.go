package deploylocal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/example/orderflow/tools/moto"
	"github.com/example/orderflow/tools/procgroup"
)

// Account is the AWS account the rehearsal deploys to: moto's default.
const Account = "123456789012"

// deadProxy is a proxy address where nothing listens: a request the CLI
// would send anywhere but localhost fails at once instead of reaching AWS.
const deadProxy = "http://127.0.0.1:9"

// cli runs the pinned CDK CLI.
type cli struct {
	bin  string    // node_modules/.bin/cdk
	work string    // where bootstrap, deploy and destroy run: no cdk.json there, so no synth
	log  io.Writer // every command and its output
	echo io.Writer // also streamed here when not nil (-v)
	// deployEnv is the environment of bootstrap, deploy and destroy.
	deployEnv []string
	// synthEnv is the environment of synth: the caller's minus anything AWS.
	synthEnv []string
}

// newCLI prepares the environments: deployEnv talks only to endpoint in
// region with dummy keys, HOME, AWS config and credentials files under work,
// and a dead proxy for everything but localhost; synthEnv has no AWS
// variables and no AWS configuration, like CI.
func newCLI(root, work, endpoint, region string, log, echo io.Writer) (*cli, error) {
	home := filepath.Join(work, "home")
	awsDir := filepath.Join(home, ".aws")
	if err := os.MkdirAll(awsDir, 0o755); err != nil {
		return nil, err
	}
	config := filepath.Join(awsDir, "config")
	credentials := filepath.Join(awsDir, "credentials")
	if err := os.WriteFile(config, []byte("[default]\nregion = "+region+"\nendpoint_url = "+endpoint+"\n"), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(credentials, nil, 0o600); err != nil {
		return nil, err
	}
	nodeBin := filepath.Join(root, "node_modules", ".bin")
	base := withoutAWS(os.Environ(), nodeBin)
	c := &cli{bin: filepath.Join(nodeBin, "cdk"), work: work, log: log, echo: echo}
	c.synthEnv = append(append([]string{}, base...),
		"AWS_CONFIG_FILE="+filepath.Join(work, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(work, "no-aws-credentials"),
		"AWS_EC2_METADATA_DISABLED=true")
	for _, kv := range base {
		if k, _, _ := strings.Cut(kv, "="); strings.HasSuffix(strings.ToUpper(k), "_PROXY") || k == "HOME" {
			continue
		}
		c.deployEnv = append(c.deployEnv, kv)
	}
	c.deployEnv = append(c.deployEnv,
		"HOME="+home,
		"AWS_CONFIG_FILE="+config,
		"AWS_SHARED_CREDENTIALS_FILE="+credentials,
		"AWS_ACCESS_KEY_ID="+moto.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY="+moto.SecretAccessKey,
		"AWS_REGION="+region,
		"AWS_DEFAULT_REGION="+region,
		"AWS_ENDPOINT_URL="+endpoint,
		"AWS_EC2_METADATA_DISABLED=true",
		"HTTPS_PROXY="+deadProxy, "HTTP_PROXY="+deadProxy, "https_proxy="+deadProxy, "http_proxy="+deadProxy,
		"NO_PROXY=localhost,127.0.0.1", "no_proxy=localhost,127.0.0.1",
	)
	return c, nil
}

// withoutAWS returns env without AWS_ and CDK_ variables (credentials,
// profile, region, endpoints, the CLI's context), with nodeBin first on PATH
// and the CLI's telemetry off.
func withoutAWS(env []string, nodeBin string) []string {
	var out []string
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "AWS_"), strings.HasPrefix(k, "CDK_"):
			continue
		case k == "PATH":
			kv = "PATH=" + nodeBin + string(os.PathListSeparator) + v
		}
		out = append(out, kv)
	}
	return append(out, "CDK_DISABLE_CLI_TELEMETRY=true")
}

// synthFlags are `make synth`'s flags (Makefile CDK_FLAGS and --quiet).
var synthFlags = []string{"--no-version-reporting", "--no-notices", "--no-path-metadata", "--quiet"}

// synth runs `cdk synth` in dir (a project root: its cdk.json runs its app
// and gives the context; app, when not empty, replaces cdk.json's "app")
// into outdir with context flags ("stage=dev", ...).
func (c *cli) synth(ctx context.Context, dir, app, outdir string, context ...string) (string, error) {
	args := append([]string{"synth"}, synthFlags...)
	if app != "" {
		args = append(args, "--app", app)
	}
	for _, kv := range context {
		args = append(args, "-c", kv)
	}
	args = append(args, "-o", outdir)
	return c.run(ctx, dir, c.synthEnv, args...)
}

// deployCmd runs a bootstrap, deploy or destroy command in the work
// directory, against the emulator only.
func (c *cli) deployCmd(ctx context.Context, args ...string) (string, error) {
	return c.run(ctx, c.work, c.deployEnv, append(args, "--no-notices")...)
}

// run runs the CLI in its own process group (stopped with it when ctx ends:
// Ctrl-C, failure, timeout) and returns its combined output.
func (c *cli) run(ctx context.Context, dir string, env []string, args ...string) (string, error) {
	cmd := exec.Command(c.bin, args...)
	cmd.Dir = dir
	cmd.Env = env
	var out bytes.Buffer
	var w io.Writer = &out
	if c.echo != nil {
		w = io.MultiWriter(&out, c.echo)
	}
	cmd.Stdout, cmd.Stderr = w, w
	fmt.Fprintf(c.log, "\n$ (cd %s && cdk %s)\n", dir, strings.Join(args, " "))
	start := time.Now()
	waitErr := procgroup.Run(ctx, cmd, 5*time.Second)
	var notStarted *fs.PathError
	if errors.As(waitErr, &notStarted) {
		return "", fmt.Errorf("cdk %s: %w (run `npm ci`: the Makefile does)", args[0], waitErr)
	}
	fmt.Fprintf(c.log, "%s[%s, %v]\n", out.String(), time.Since(start).Round(time.Millisecond), waitErr)
	if waitErr != nil {
		return out.String(), fmt.Errorf("cdk %s: %w\n%s", strings.Join(args, " "), waitErr, tail(out.String(), 30))
	}
	return out.String(), nil
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
