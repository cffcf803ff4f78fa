package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/jsii-runtime-go"

	"github.com/skyledger/skyledger/infra/spec"
)

// Alarm thresholds (each alarm and what to do about it: docs/operations.md).
const (
	IteratorAgeAlarmMillis = 60_000 // projector lag above one minute
	FunctionErrorsAlarm    = 5      // errors per 5 minutes
	AuthorizerErrorsAlarm  = 50     // the WS authorizer fails with an error on every refused handshake
	API5xxAlarm            = 5      // 5xx per 5 minutes
	// DurationNearTimeout is the share of a function's timeout its maximum
	// duration may reach before the alarm fires.
	DurationNearTimeout = 0.8
	TableThrottlesAlarm = 1   // throttled requests per 5 minutes (on-demand tables should never throttle)
	TableSystemErrors   = 1   // DynamoDB 500s per 5 minutes
	WSClientErrorAlarm  = 500 // refused handshakes/messages per 5 minutes: a client loop or abuse
	WSServerErrorAlarm  = 5   // integration + execution errors per 5 minutes
	// WSMessageFlood is the message count per 5 minutes that signals a flood
	// (about 330 messages a second: far above the expected load).
	WSMessageFlood = 100_000
)

// DynamoOperations are the operations whose SystemErrors are watched (at
// most 10 metrics fit in one alarm's expression).
var DynamoOperations = []awsdynamodb.Operation{
	awsdynamodb.Operation_GET_ITEM, awsdynamodb.Operation_PUT_ITEM, awsdynamodb.Operation_UPDATE_ITEM,
	awsdynamodb.Operation_DELETE_ITEM, awsdynamodb.Operation_QUERY, awsdynamodb.Operation_SCAN,
	awsdynamodb.Operation_BATCH_GET_ITEM, awsdynamodb.Operation_BATCH_WRITE_ITEM,
	awsdynamodb.Operation_TRANSACT_WRITE_ITEMS, awsdynamodb.Operation_GET_RECORDS,
}

// alarmTopic creates the stack's alarm topic, or imports the topic named by
// alarmTopicArn, and subscribes the alarm e-mail.
func (s *Stack) alarmTopic(c Config) {
	if c.Ops.AlarmTopicArn != "" {
		s.AlarmTopic = awssns.Topic_FromTopicArn(s.Stack, jsii.String("Alarms"), jsii.String(c.Ops.AlarmTopicArn))
	} else {
		s.AlarmTopic = awssns.NewTopic(s.Stack, jsii.String("Alarms"), &awssns.TopicProps{
			DisplayName: jsii.String("SkyLedger " + c.Stage + " alarms"),
			EnforceSSL:  jsii.Bool(true),
		})
	}
	if c.AlarmEmail != "" {
		s.AlarmTopic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(c.AlarmEmail), nil))
	}
	if c.AlarmEmail == "" && c.Ops.AlarmTopicArn == "" {
		awscdk.Annotations_Of(s.Stack).AddWarningV2(jsii.String("skyledger:alarms-unsubscribed"),
			jsii.String("the alarm topic has no subscriber: pass -c alarmEmail=... or -c alarmTopicArn=..."), nil)
	}
}

// alarms creates every alarm; each notifies the topic when it fires and
// when it clears (OK).
func (s *Stack) alarms(c Config) {
	st := s.Stack
	action := awscloudwatchactions.NewSnsAction(s.AlarmTopic)
	five := awscdk.Duration_Minutes(jsii.Number(5))
	one := awscdk.Duration_Minutes(jsii.Number(1))
	alarm := func(id string, m awscloudwatch.IMetric, threshold float64, desc string) {
		if _, math := m.(awscloudwatch.MathExpression); math && c.Emulator != nil {
			// Emulators (MiniStack) refuse metric-math alarms; they have no
			// metrics to evaluate anyway (docs/emulator.md).
			return
		}
		a := awscloudwatch.NewAlarm(st, jsii.String(id), &awscloudwatch.AlarmProps{
			AlarmName:          jsii.String(spec.StagePrefix(c.Stage) + id),
			Metric:             m,
			Threshold:          jsii.Number(threshold),
			EvaluationPeriods:  jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
			AlarmDescription:   jsii.String(desc + " (runbook: docs/operations.md#" + id + ")"),
		})
		a.AddAlarmAction(action)
		a.AddOkAction(action)
		s.Alarms = append(s.Alarms, a)
	}
	sum := func(m awscloudwatch.MetricOptions) *awscloudwatch.MetricOptions {
		m.Statistic = jsii.String("Sum")
		if m.Period == nil {
			m.Period = five
		}
		return &m
	}

	// Stream processing.
	alarm("DeadLettersNotEmpty", s.DeadLetters.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
		Period: one, Statistic: jsii.String("Maximum"),
	}), 1, "the projector gave up on stream records: redrive them")
	alarm("ProjectorIteratorAge", s.fn(spec.Projector.Function).Metric(jsii.String("IteratorAge"), &awscloudwatch.MetricOptions{
		Period: one, Statistic: jsii.String("Maximum"),
	}), IteratorAgeAlarmMillis, "the projector lags the Events stream by more than a minute")

	// Functions: errors, throttles, duration near the timeout.
	for _, f := range spec.Functions {
		fn := s.fn(f.Name)
		threshold := float64(FunctionErrorsAlarm)
		if f.Name == spec.WSAuthorizer {
			threshold = AuthorizerErrorsAlarm
		}
		alarm(f.Name+"-errors", fn.MetricErrors(sum(awscloudwatch.MetricOptions{})), threshold, f.Name+": function errors")
		alarm(f.Name+"-throttles", fn.MetricThrottles(sum(awscloudwatch.MetricOptions{})), 1, f.Name+": throttled invocations")
		alarm(f.Name+"-duration", fn.MetricDuration(&awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Maximum")}),
			DurationNearTimeout*float64(f.Timeout.Milliseconds()),
			fmt.Sprintf("%s: an invocation took %.0f%% of the %s timeout", f.Name, DurationNearTimeout*100, f.Timeout))
	}

	// Tables: throttles and system errors.
	for _, t := range spec.Tables {
		tbl := s.table(t.Name)
		alarm(t.Name+"-throttles", awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String("r + w"),
			UsingMetrics: &map[string]awscloudwatch.IMetric{
				"r": tbl.Metric(jsii.String("ReadThrottleEvents"), sum(awscloudwatch.MetricOptions{})),
				"w": tbl.Metric(jsii.String("WriteThrottleEvents"), sum(awscloudwatch.MetricOptions{})),
			},
			Label:  jsii.String(t.Name + " throttle events"),
			Period: five,
		}), TableThrottlesAlarm, t.Name+": DynamoDB throttled requests")
		alarm(t.Name+"-system-errors", tbl.MetricSystemErrorsForOperations(&awsdynamodb.SystemErrorsForOperationsMetricOptions{
			Operations: &DynamoOperations, Period: five, Statistic: jsii.String("Sum"),
		}), TableSystemErrors, t.Name+": DynamoDB system errors (HTTP 500)")
	}

	// APIs.
	alarm("HttpApi5xx", s.HTTPAPI.MetricServerError(sum(awscloudwatch.MetricOptions{})), API5xxAlarm, "HTTP API answered 5xx")
	ws := func(name string) awscloudwatch.Metric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String("AWS/ApiGateway"), MetricName: jsii.String(name),
			DimensionsMap: &map[string]*string{"ApiId": s.WSAPI.ApiId(), "Stage": jsii.String(c.Stage)},
			Period:        five, Statistic: jsii.String("Sum"),
		})
	}
	alarm("WebSocket4xx", ws("ClientError"), WSClientErrorAlarm, "WebSocket API: client errors (refused handshakes, bad frames)")
	alarm("WebSocket5xx", awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression:   jsii.String("i + e"),
		UsingMetrics: &map[string]awscloudwatch.IMetric{"i": ws("IntegrationError"), "e": ws("ExecutionError")},
		Label:        jsii.String("WebSocket integration + execution errors"),
		Period:       five,
	}), WSServerErrorAlarm, "WebSocket API: integration or execution errors")
	alarm("WebSocketMessageFlood", ws("MessageCount"), WSMessageFlood, "WebSocket API: message count far above the expected load")
}
