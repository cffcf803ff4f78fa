package wire

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/internal/awstest"
)

// The bootstrap token is read from Secrets Manager (moto) once and cached.
func TestSecretToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, arn := awstest.Secret(t, "bootstrap", "s3cret-token")

	st := &secretToken{client: c, arn: arn}
	got, err := st.Get(ctx)
	require.NoError(t, err)
	assert.Equal(t, "s3cret-token", got)

	_, err = c.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: aws.String(arn), ForceDeleteWithoutRecovery: aws.Bool(true)})
	require.NoError(t, err)
	got, err = st.Get(ctx)
	require.NoError(t, err, "cached: no second call")
	assert.Equal(t, "s3cret-token", got)

	missing := &secretToken{client: c, arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:nope"}
	_, err = missing.Get(ctx)
	assert.Error(t, err)
}
