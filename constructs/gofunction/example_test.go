package gofunction_test

import (
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodedeploy"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/constructs/gofunction"
)

// A Go Lambda function built from a main package during synth: the asset
// holds an executable bootstrap for linux/arm64, and the function runs it on
// provided.al2023 with JSON logs in its own log group.
func ExampleNew() {
	outdir, err := os.MkdirTemp("", "gofunction-example-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(outdir)
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outdir)})
	stack := awscdk.NewStack(app, jsii.String("Example"), nil)

	hello := gofunction.New(stack, jsii.String("Hello"), &gofunction.Props{
		Entry:   jsii.String("testdata/mod/fn/b"), // a main package; its module is found through go.mod
		Timeout: awscdk.Duration_Seconds(jsii.Number(30)),
	})

	tmpl := assertions.Template_FromStack(stack, nil) // synth builds the function
	fn := resourceProps(tmpl, stack, hello.Function)
	fmt.Println("runtime:", fn["Runtime"], fn["Architectures"], "handler:", fn["Handler"])
	fmt.Println("memory:", fn["MemorySize"], "MB, timeout:", fn["Timeout"], "s")
	fmt.Println("logs:", fn["LoggingConfig"].(map[string]any)["LogFormat"], "tracing:", fn["TracingConfig"].(map[string]any)["Mode"])

	bootstrap := filepath.Join(outdir, "asset."+*hello.Asset.AssetHash(), "bootstrap")
	exe, err := elf.Open(bootstrap)
	if err != nil {
		panic(err)
	}
	defer exe.Close()
	info, err := os.Stat(bootstrap)
	if err != nil {
		panic(err)
	}
	fmt.Println("bootstrap:", exe.Machine, "executable:", info.Mode().Perm()&0o111 != 0)
	// Output:
	// runtime: provided.al2023 [arm64] handler: bootstrap
	// memory: 256 MB, timeout: 30 s
	// logs: JSON tracing: Active
	// bootstrap: EM_AARCH64 executable: true
}

// resourceProps returns the CloudFormation Properties of the resource behind
// an L2 construct.
func resourceProps(tmpl assertions.Template, stack awscdk.Stack, c constructs.IConstruct) map[string]any {
	id := *stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
	resource := (*tmpl.ToJSON())["Resources"].(map[string]any)[id].(map[string]any)
	return resource["Properties"].(map[string]any)
}

// A function deployed by canary: each change publishes a version, and
// CodeDeploy moves the live alias to it (10% of the traffic for 5 minutes,
// then all), rolling back when the new version's errors, throttles or p99
// duration alarm. Every integration of the library invokes the alias.
func ExampleNew_canary() {
	outdir, err := os.MkdirTemp("", "gofunction-example-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(outdir)
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outdir)})
	stack := awscdk.NewStack(app, jsii.String("Example"), nil)

	api := gofunction.New(stack, jsii.String("Api"), &gofunction.Props{
		Entry: jsii.String("testdata/mod/fn/b"),
		Alias: &gofunction.AliasProps{ // "live"
			Deployment: &gofunction.DeploymentProps{
				Config: awscodedeploy.LambdaDeploymentConfig_CANARY_10PERCENT_5MINUTES(),
			},
		},
	})
	fmt.Println("integrations invoke:", *api.InvokeTarget.Node().Path())

	tmpl := assertions.Template_FromStack(stack, nil)
	group := resourceProps(tmpl, stack, api.DeploymentGroup)
	fmt.Println("config:", group["DeploymentConfigName"])
	fmt.Println("rollback alarms:", len(group["AlarmConfiguration"].(map[string]any)["Alarms"].([]any)))
	for _, d := range resourceProps(tmpl, stack, api.NewVersionErrorsAlarm)["Dimensions"].([]any) {
		fmt.Println("  errors alarm dimension:", d.(map[string]any)["Name"])
	}
	// Output:
	// integrations invoke: Example/Api/Alias
	// config: CodeDeployDefault.LambdaCanary10Percent5Minutes
	// rollback alarms: 3
	//   errors alarm dimension: ExecutedVersion
	//   errors alarm dimension: FunctionName
	//   errors alarm dimension: Resource
}
