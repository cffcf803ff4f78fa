package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/jsii-runtime-go"

	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/metrics"
)

// DashboardName is the CloudWatch dashboard of a stage.
func DashboardName(stage string) string { return "SkyLedger-" + stage }

// EMFMetrics are the custom metrics the functions emit (namespace
// metrics.Namespace, dimension Function) and the function emitting each.
var EMFMetrics = []struct{ Function, Name string }{
	{spec.FnWSConnect, metrics.ConnectionsOpened},
	{spec.FnWSDisconnect, metrics.ConnectionsClosed},
	{spec.FnWSDefault, metrics.Subscriptions},
	{spec.FnWSDefault, metrics.Unsubscriptions},
	{spec.FnWSDefault, metrics.RateLimited},
	{spec.FnProjector, metrics.FramesSent},
	{spec.FnProjector, metrics.Gone},
	{spec.FnProjector, metrics.Throttled},
	{spec.FnProjector, metrics.SendFailed},
	{spec.FnProjector, metrics.ClosedByRevoke},
}

// dashboard is the stage's one dashboard: alarm states first, then the
// APIs, the functions, the stream, the tables and the functions' own (EMF)
// metrics.
func (s *Stack) dashboard(c Config) {
	five := awscdk.Duration_Minutes(jsii.Number(5))
	opt := func(stat string) *awscloudwatch.MetricOptions {
		return &awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String(stat)}
	}
	graph := func(title string, width float64, left ...awscloudwatch.IMetric) awscloudwatch.IWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String(title), Width: jsii.Number(width), Height: jsii.Number(6), Left: &left,
		})
	}
	ws := func(name, stat string) awscloudwatch.IMetric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String("AWS/ApiGateway"), MetricName: jsii.String(name),
			DimensionsMap: &map[string]*string{"ApiId": s.WSAPI.ApiId(), "Stage": jsii.String(c.Stage)},
			Period:        five, Statistic: jsii.String(stat), Label: jsii.String("ws " + name),
		})
	}
	emf := func(fn, name, stat string) awscloudwatch.IMetric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String(metrics.Namespace), MetricName: jsii.String(name),
			DimensionsMap: &map[string]*string{"Function": jsii.String(fn)},
			Period:        five, Statistic: jsii.String(stat), Label: jsii.String(name),
		})
	}

	alarms := make([]interfacesawscloudwatch.IAlarmRef, len(s.Alarms))
	for i, a := range s.Alarms {
		alarms[i] = a
	}
	var invocations, errs, durations, throttles []awscloudwatch.IMetric
	for _, f := range spec.Functions {
		fn := s.fn(f.Name)
		invocations = append(invocations, fn.MetricInvocations(opt("Sum")))
		errs = append(errs, fn.MetricErrors(opt("Sum")))
		durations = append(durations, fn.MetricDuration(opt("p99")))
		throttles = append(throttles, fn.MetricThrottles(opt("Sum")))
	}
	var tableRead, tableWrite, tableThrottle []awscloudwatch.IMetric
	for _, t := range spec.Tables {
		tbl := s.table(t.Name)
		tableRead = append(tableRead, tbl.MetricConsumedReadCapacityUnits(opt("Sum")))
		tableWrite = append(tableWrite, tbl.MetricConsumedWriteCapacityUnits(opt("Sum")))
		tableThrottle = append(tableThrottle,
			tbl.Metric(jsii.String("ReadThrottleEvents"), opt("Sum")), tbl.Metric(jsii.String("WriteThrottleEvents"), opt("Sum")))
	}
	var fanout, wsOwn []awscloudwatch.IMetric
	for _, m := range EMFMetrics {
		if m.Function == spec.FnProjector {
			fanout = append(fanout, emf(m.Function, m.Name, "Sum"))
		} else {
			wsOwn = append(wsOwn, emf(m.Function, m.Name, "Sum"))
		}
	}

	s.Dashboard = awscloudwatch.NewDashboard(s.Stack, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName:   jsii.String(DashboardName(c.Stage)),
		DefaultInterval: awscdk.Duration_Hours(jsii.Number(3)),
		Widgets: &[]*[]awscloudwatch.IWidget{
			{awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
				Title: jsii.String("Alarms (runbook: docs/operations.md)"), Alarms: &alarms, Width: jsii.Number(24), Height: jsii.Number(6),
			})},
			{
				graph("HTTP API requests and errors", 12, s.HTTPAPI.MetricCount(opt("Sum")), s.HTTPAPI.MetricClientError(opt("Sum")), s.HTTPAPI.MetricServerError(opt("Sum"))),
				graph("HTTP API latency p99 (ms)", 12, s.HTTPAPI.MetricLatency(opt("p99")), s.HTTPAPI.MetricIntegrationLatency(opt("p99"))),
			},
			{
				graph("WebSocket connects, messages, errors", 12, ws("ConnectCount", "Sum"), ws("MessageCount", "Sum"),
					ws("ClientError", "Sum"), ws("IntegrationError", "Sum"), ws("ExecutionError", "Sum")),
				graph("WebSocket (functions' own metrics)", 12, wsOwn...),
			},
			{
				graph("Lambda invocations", 8, invocations...),
				graph("Lambda errors", 8, errs...),
				graph("Lambda duration p99 (ms)", 8, durations...),
			},
			{
				graph("Lambda throttles", 8, throttles...),
				graph("Projector iterator age (ms) and dead letters", 8,
					s.fn(spec.Projector.Function).Metric(jsii.String("IteratorAge"), opt("Maximum")),
					s.DeadLetters.MetricApproximateNumberOfMessagesVisible(opt("Maximum"))),
				graph("Fan-out (projector's own metrics)", 8, append(fanout, emf(spec.FnProjector, metrics.FanoutDuration, "p99"))...),
			},
			{
				graph("DynamoDB consumed read units", 8, tableRead...),
				graph("DynamoDB consumed write units", 8, tableWrite...),
				graph("DynamoDB throttle events", 8, tableThrottle...),
			},
		},
	})
}
