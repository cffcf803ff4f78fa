package notify_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/internal/notify"
)

// TestNewClientSigning: with real credentials every call is SigV4-signed
// (the cloud); with aws.AnonymousCredentials (the local runtime, whose
// loopback @connections API checks no signature) the SDK skips signing.
func TestNewClientSigning(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		creds   aws.CredentialsProvider
		wantSig bool
	}{
		{name: "static credentials sign", creds: credentials.NewStaticCredentialsProvider("AKID", "secret", ""), wantSig: true},
		{name: "anonymous credentials do not sign", creds: aws.AnonymousCredentials{}, wantSig: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			auth := make(chan string, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				auth <- r.Header.Get("Authorization")
				w.WriteHeader(http.StatusOK)
			}))
			defer srv.Close()
			c := notify.NewClient(aws.Config{Region: "us-east-1", Credentials: tc.creds}, srv.URL, 2)
			_, err := c.PostToConnection(context.Background(), postInput("c1="))
			require.NoError(t, err)
			got := <-auth
			if tc.wantSig {
				assert.True(t, strings.HasPrefix(got, "AWS4-HMAC-SHA256 "), "Authorization %q", got)
			} else {
				assert.Empty(t, got)
			}
		})
	}
}
