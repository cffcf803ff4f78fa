//go:build emulator

// The same end-to-end suite through the synthesized stack deployed into an
// AWS emulator: `make test-integration` (scripts/test-integration.sh) starts
// MiniStack, deploys the stack and runs
//
//	SKYLEDGER_STACK_OUTPUTS=outputs.json go test -tags emulator -run 'Deployed|Emulator' ./internal/e2e
//
// outputs.json holds the stack outputs, the bootstrap token read from
// Secrets Manager and the WebSocket authorizer as deployed (before the
// adaptation). Without SKYLEDGER_STACK_OUTPUTS these tests fail: they are
// never skipped.

package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stackOutputs is what scripts/emulator/deploy.py writes.
type stackOutputs struct {
	Endpoint               string `json:"Endpoint"`
	HTTPAPIURL             string `json:"HttpApiUrl"`
	WebSocketURL           string `json:"WebSocketUrl"`
	WebSocketManagementURL string `json:"WebSocketManagementUrl"`
	BootstrapToken         string `json:"BootstrapToken"`
	EventsTable            string `json:"EventsTableName"`
	DeadLetterQueueURL     string `json:"ProjectorDeadLetterQueueUrl"`
	BootstrapSecretArn     string `json:"BootstrapSecretArn"`
	// The WebSocket authorizer as the emulator created it from the
	// template, before scripts/emulator/deploy.py's UpdateAuthorizer.
	AuthorizerBeforeAdaptation struct {
		IdentitySource []string `json:"IdentitySource"`
		TTL            int      `json:"AuthorizerResultTtlInSeconds"`
	} `json:"AuthorizerBeforeAdaptation"`
}

func loadOutputs(t *testing.T) stackOutputs {
	t.Helper()
	p := os.Getenv("SKYLEDGER_STACK_OUTPUTS")
	require.NotEmpty(t, p, "SKYLEDGER_STACK_OUTPUTS must name the deployed stack's outputs (run `make test-integration`)")
	raw, err := os.ReadFile(p)
	require.NoError(t, err)
	var o stackOutputs
	require.NoError(t, json.Unmarshal(raw, &o))
	require.NotEmpty(t, o.HTTPAPIURL)
	require.NotEmpty(t, o.WebSocketURL)
	require.NotEmpty(t, o.BootstrapToken)
	return o
}

// MiniStack answers an HTTP authorizer's "Unauthorized" with 500 (AWS: 401);
// TestEmulatorHTTPAuthorizerUnauthorized pins it.
const emulatorUnauthorizedStatus = 500

// TestDeployed runs the end-to-end flow, then measures command -> frame
// latency, through the deployed stack: API Gateway HTTP + WebSocket APIs,
// the seven Lambda functions as built for Lambda, DynamoDB, the Events
// stream -> projector event source mapping and @connections, all emulated.
func TestDeployed(t *testing.T) {
	o := loadOutputs(t)
	target := &deployedTarget{
		name:               "stack in " + o.Endpoint,
		api:                strings.TrimRight(o.HTTPAPIURL, "/"),
		ws:                 o.WebSocketURL,
		bootstrapToken:     o.BootstrapToken,
		unauthorizedStatus: emulatorUnauthorizedStatus,
	}
	t.Run("flow", func(t *testing.T) {
		flow(t, deployedSystem(t, target))
	})
	t.Run("command to frame latency", func(t *testing.T) {
		commandToFrame(t, deployedSystem(t, target), 20)
	})
	t.Run("emulator difference: stream batch item failures dropped", func(t *testing.T) {
		streamItemFailureDropped(t, deployedSystem(t, target), o)
	})
}

// streamItemFailureDropped pins an emulator difference: the projector
// reports a record it cannot decode in batchItemFailures (a MODIFY on the
// Events table: events are immutable). On AWS the mapping
// (ReportBatchItemFailures, bisect, MaximumRetryAttempts 5, an SQS
// on-failure destination) retries from that record and then sends it to
// the dead-letter queue, holding back the records behind it meanwhile.
// MiniStack treats the answer as success: the record is dropped, nothing
// reaches the queue, and the next record flows at once. The local
// runtime's own mapping tests (internal/localcloud) cover the AWS
// behaviour.
func streamItemFailureDropped(t *testing.T, s *system, o stackOutputs) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"), config.WithBaseEndpoint(o.Endpoint),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("test", "test", "")))
	require.NoError(t, err)
	db := dynamodb.NewFromConfig(cfg)
	page, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(o.EventsTable), Limit: aws.Int32(1)})
	require.NoError(t, err)
	require.NotEmpty(t, page.Items)
	it := page.Items[0]
	_, err = db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(o.EventsTable),
		Key:                       map[string]types.AttributeValue{"stream_id": it["stream_id"], "version": it["version"]},
		UpdateExpression:          aws.String("SET poisoned_by_test = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: "x"}}})
	require.NoError(t, err)

	// The next record behind the poisoned one reaches a socket at once.
	commandToFrame(t, s, 1)
	// AWS would have retried (5 times, bisecting) and dead-lettered it by
	// now at MiniStack's one-second retry cadence; nothing arrives.
	time.Sleep(8 * time.Second)
	assert.Equal(t, 0, queueDepth(t, o), "MiniStack now dead-letters a reported batch item failure (AWS does): "+
		"retire this adaptation in docs/emulator.md")
}

// queueDepth is the SQS queue's ApproximateNumberOfMessages (query
// protocol; the emulator does not check signatures).
func queueDepth(t *testing.T, o stackOutputs) int {
	form := url.Values{"Action": {"GetQueueAttributes"}, "QueueUrl": {o.DeadLetterQueueURL},
		"AttributeName.1": {"ApproximateNumberOfMessages"}, "Version": {"2012-11-05"}}
	res, err := http.PostForm(o.Endpoint+"/", form)
	require.NoError(t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	require.Equal(t, 200, res.StatusCode, "%s", b)
	m := regexp.MustCompile(`<Value>(\d+)</Value>`).FindSubmatch(b)
	require.NotNil(t, m, "%s", b)
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// commandToFrame submits n PIREPs as the platform admin of flow() and times
// each POST until its frame arrives on a subscribed socket (Streams ->
// projector -> @connections). A figure, not an assertion.
func commandToFrame(t *testing.T, s *system, n int) {
	root := str(s.must(200, s.call("POST", "/api/auth/login", "", map[string]any{"email": "root@example.com", "password": "correct horse battery"})).body, "key")
	me := s.must(200, s.call("GET", "/api/users/me", root, nil))
	tenant := str(me.body, "tenant_id")
	require.NotEmpty(t, tenant)
	ch := "tenant:" + tenant + ":pireps"
	w := s.connect(root)
	w.send(map[string]any{"action": "subscribe", "id": "lat", "channels": []string{ch}})
	ack := w.next("subscribe ack", func(m map[string]any) bool { return m["type"] == "ack" && m["id"] == "lat" })
	require.Equal(t, []string{ch}, strs(ack["accepted"]))
	var lat []time.Duration
	for i := 0; i < n; i++ {
		start := time.Now()
		p := s.must(201, s.call("POST", "/api/pireps", root, map[string]any{"raw": fmt.Sprintf("DEN UA /OV DEN/TM %04d/FL%03d/TP B737/TB LGT", i%2400, 100+i)}))
		id := "pirep-" + str(p.body, "id")
		w.next("frame of "+id, func(m map[string]any) bool { return m["type"] == "event" && m["stream_id"] == id })
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	t.Logf("e2e: command -> frame through the deployed stack, %d PIREPs: p50 %v, p90 %v, max %v",
		n, lat[n/2].Round(time.Millisecond), lat[n*9/10].Round(time.Millisecond), lat[n-1].Round(time.Millisecond))
}

// ---- emulator differences: each test fails when the emulator changes ----
// behaviour, so the matching adaptation (docs/emulator.md) can go.

// TestEmulatorWSAuthorizerIdentitySourceDefault: the template leaves the
// WebSocket authorizer's IdentitySource out (AWS then runs the authorizer on
// every $connect); MiniStack creates it with $request.header.Authorization
// and a 300 s result cache instead. scripts/emulator/deploy.py sets
// IdentitySource=[] and TTL 0 with UpdateAuthorizer; the flow's ?ticket=
// handshakes prove the adaptation works.
func TestEmulatorWSAuthorizerIdentitySourceDefault(t *testing.T) {
	o := loadOutputs(t)
	assert.Equal(t, []string{"$request.header.Authorization"}, o.AuthorizerBeforeAdaptation.IdentitySource,
		"MiniStack's default identity source changed: drop the UpdateAuthorizer adaptation if it now matches AWS")
	assert.Equal(t, 300, o.AuthorizerBeforeAdaptation.TTL,
		"MiniStack's default authorizer cache TTL changed")
}

// TestEmulatorHTTPAuthorizerUnauthorized: an HTTP API Lambda authorizer
// failing with the error "Unauthorized" is a 401 on AWS and in the local
// runtime; MiniStack answers 500. A missing Authorization header (identity
// source absent) is a 401 on both.
func TestEmulatorHTTPAuthorizerUnauthorized(t *testing.T) {
	o := loadOutputs(t)
	s := deployedSystem(t, &deployedTarget{name: "emulator", api: strings.TrimRight(o.HTTPAPIURL, "/"), ws: o.WebSocketURL})
	bogus := "sk_01JAAAAAAAAAAAAAAAAAAAAAAA_" + strings.Repeat("A", 43)
	r := s.callUnchecked("GET", "/api/users/me", bogus, nil)
	assert.Equal(t, emulatorUnauthorizedStatus, r.status,
		"MiniStack's answer to an authorizer's Unauthorized changed (AWS: 401): body %s", r.raw)
	r = s.callUnchecked("GET", "/api/users/me", "", nil)
	assert.Equal(t, 401, r.status, "no Authorization header: %s", r.raw)
}

// TestEmulatorSecretRefIsName: Ref of an AWS::SecretsManager::Secret is its
// ARN on AWS (the BootstrapSecretArn output, BOOTSTRAP_SECRET_ARN);
// MiniStack resolves it to the secret's name. GetSecretValue takes either,
// so the commands function reads the token the same way (the flow's
// bootstrap proves it).
func TestEmulatorSecretRefIsName(t *testing.T) {
	o := loadOutputs(t)
	require.NotEmpty(t, o.BootstrapSecretArn)
	assert.False(t, strings.HasPrefix(o.BootstrapSecretArn, "arn:"),
		"MiniStack now returns an ARN for Ref of a secret (as AWS does): %s", o.BootstrapSecretArn)
	assert.True(t, strings.HasPrefix(o.BootstrapSecretArn, "SkyLedger-dev-BootstrapToken"), o.BootstrapSecretArn)
}
