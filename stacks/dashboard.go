package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/jsii-runtime-go"

	"github.com/example/orderflow/internal/ordermetrics"
)

// newDashboard defines the flow's dashboard (construct ID "Dashboard", no
// physical name), one row per concern, every graph at 5-minute periods:
//
//	API:            requests; 4xx and 5xx; latency p50, p99 and integration p99
//	functions:      invocations, errors, duration p99, one line per function
//	queues, stream: kitchen queue depth, age of its oldest message, depth of
//	                every dead-letter queue, the publisher's iterator age
//	business:       OrdersCreated (api, importer), OrdersPrepared,
//	                StaleOrdersResent, ImportRowsRejected (EMF, this stage)
//	alarms:         the state of every alarm of the stack
func newDashboard(stack awscdk.Stack, s *ServiceStack, stage string) awscloudwatch.Dashboard {
	period := awscdk.Duration_Minutes(jsii.Number(5))
	opts := func(stat, label string) *awscloudwatch.MetricOptions {
		return &awscloudwatch.MetricOptions{Statistic: jsii.String(stat), Label: jsii.String(label), Period: period}
	}
	graph := func(title string, width float64, left ...awscloudwatch.IMetric) awscloudwatch.IWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String(title), Width: jsii.Number(width), Height: jsii.Number(6), Left: &left,
		})
	}
	perFunction := func(metric func(name string) awscloudwatch.IMetric) []awscloudwatch.IMetric {
		out := make([]awscloudwatch.IMetric, len(FunctionNames))
		for i, name := range FunctionNames {
			out[i] = metric(name)
		}
		return out
	}
	business := func(name, service string) awscloudwatch.IMetric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace:  jsii.String(ordermetrics.Namespace),
			MetricName: jsii.String(name),
			DimensionsMap: &map[string]*string{
				ordermetrics.DimensionService: jsii.String(service),
				ordermetrics.DimensionStage:   jsii.String(stage),
			},
			Statistic: jsii.String("Sum"),
			Label:     jsii.String(service),
			Period:    period,
		})
	}
	dlqDepth := func(q awssqs.IQueue, label string) awscloudwatch.IMetric {
		return q.MetricApproximateNumberOfMessagesVisible(opts("Maximum", label))
	}
	fns := s.Functions
	api := s.Api.Api

	var alarms []interfacesawscloudwatch.IAlarmRef
	for _, name := range FunctionNames {
		for _, a := range fns[name].Alarms {
			alarms = append(alarms, a)
		}
		// A canaried function's rollback alarms (its new version's errors,
		// throttles and duration): ALARM while a deployment rolls back.
		for _, a := range fns[name].RollbackAlarms {
			alarms = append(alarms, a)
		}
	}
	for _, list := range [][]awscloudwatch.Alarm{s.Api.Alarms, s.Kitchen.Alarms, s.Publisher.Alarms, s.Importer.Alarms, s.Sweeper.Alarms, s.Events.Alarms} {
		for _, a := range list {
			alarms = append(alarms, a)
		}
	}
	// The tables' alarms: the Orders table's, and the stateful stack's
	// idempotency table alarm (the topic hears it through
	// IdempotencyThrottleNotice).
	alarms = append(alarms, s.OrdersThrottleAlarm)
	if s.idempotency != nil {
		alarms = append(alarms, s.idempotency.ThrottleAlarm)
	}

	rows := [][]awscloudwatch.IWidget{
		{
			graph("API requests", 8, api.MetricCount(opts("Sum", "requests"))),
			graph("API errors", 8, api.MetricClientError(opts("Sum", "4xx")), api.MetricServerError(opts("Sum", "5xx"))),
			graph("API latency (ms)", 8, api.MetricLatency(opts("p50", "p50")), api.MetricLatency(opts("p99", "p99")),
				api.MetricIntegrationLatency(opts("p99", "integration p99"))),
		},
		{
			graph("Invocations", 8, perFunction(func(n string) awscloudwatch.IMetric { return fns[n].Function.MetricInvocations(opts("Sum", n)) })...),
			graph("Errors", 8, perFunction(func(n string) awscloudwatch.IMetric { return fns[n].Function.MetricErrors(opts("Sum", n)) })...),
			graph("Duration p99 (ms)", 8, perFunction(func(n string) awscloudwatch.IMetric { return fns[n].Function.MetricDuration(opts("p99", n)) })...),
		},
		{
			graph("Kitchen queue depth", 6,
				s.Kitchen.Queue.MetricApproximateNumberOfMessagesVisible(opts("Maximum", "visible")),
				s.Kitchen.Queue.MetricApproximateNumberOfMessagesNotVisible(opts("Maximum", "in flight"))),
			graph("Kitchen queue oldest message (s)", 6, s.Kitchen.Queue.MetricApproximateAgeOfOldestMessage(opts("Maximum", "age"))),
			graph("Dead-letter queue depths", 6,
				dlqDepth(s.Kitchen.DeadLetterQueue, "kitchen"), dlqDepth(s.Publisher.DeadLetterQueue, "publisher"),
				dlqDepth(s.Importer.DeadLetterQueue, "importer"), dlqDepth(s.Sweeper.DeadLetterQueue, "sweeper"),
				dlqDepth(s.Events.DeadLetterQueue, "notifier")),
			graph("Stream iterator age (ms)", 6, fns["publisher"].Function.Metric(jsii.String("IteratorAge"), opts("Maximum", "publisher"))),
		},
		{
			graph("Orders created", 6, business(ordermetrics.OrdersCreated, "api"), business(ordermetrics.OrdersCreated, "importer")),
			graph("Orders prepared", 6, business(ordermetrics.OrdersPrepared, "kitchen")),
			graph("Stale orders resent", 6, business(ordermetrics.StaleOrdersResent, "sweeper")),
			graph("Import rows rejected", 6, business(ordermetrics.ImportRowsRejected, "importer")),
		},
		{
			awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
				Title: jsii.String("Alarms"), Alarms: &alarms, Width: jsii.Number(24),
			}),
		},
	}
	widgets := make([]*[]awscloudwatch.IWidget, len(rows))
	for i := range rows {
		widgets[i] = &rows[i]
	}
	return awscloudwatch.NewDashboard(stack, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		Widgets: &widgets,
	})
}
