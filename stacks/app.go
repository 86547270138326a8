package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// App is the whole order flow of one stage.
type App struct {
	Stateful *StatefulStack
	Service  *ServiceStack
}

// StackName returns the name of a stack of the order flow in a stage,
// "OrderFlow-dev-Stateful" for example.
func StackName(stage, part string) string { return "OrderFlow-" + stage + "-" + part }

// NewApp defines both stacks of cfg's stage in scope, with the functions
// built from "functions/" under the working directory. env may be nil
// (environment-agnostic stacks).
func NewApp(scope constructs.Construct, cfg Config, env *awscdk.Environment) *App {
	return NewAppIn(scope, cfg, env, "functions")
}

// NewAppIn is NewApp with the functions built from functionsDir (one
// directory per function), for callers that do not run in the project root.
func NewAppIn(scope constructs.Construct, cfg Config, env *awscdk.Environment, functionsDir string) *App {
	stateful := NewStatefulStack(scope, StackName(cfg.Stage, "Stateful"), &StatefulStackProps{
		StackProps: awscdk.StackProps{Env: env, Description: jsii.String("Order flow data: Orders table, Uploads bucket (" + cfg.Stage + ")"),
			TerminationProtection: jsii.Bool(cfg.DeletionProtection)},
		Config: cfg,
	})
	service := NewServiceStack(scope, StackName(cfg.Stage, "Service"), &ServiceStackProps{
		StackProps:   awscdk.StackProps{Env: env, Description: jsii.String("Order flow functions, API, queues and schedule (" + cfg.Stage + ")")},
		Config:       cfg,
		Orders:       stateful.Orders,
		Uploads:      stateful.Uploads,
		Idempotency:  stateful.Idempotency,
		FunctionsDir: functionsDir,
	})
	return &App{Stateful: stateful, Service: service}
}
