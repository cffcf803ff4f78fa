package lambdaenv

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/internal/awstest"
)

// TestSecretVersionsAcrossRotation runs against moto's Secrets Manager: a
// new secret has no previous version; after put-secret-value (what a
// rotation does) the old value is AWSPREVIOUS.
func TestSecretVersionsAcrossRotation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, arn := awstest.Secret(t, "cursor-key", "key-one-0123456789")

	cur, prev, err := SecretVersions(ctx, c, arn)
	require.NoError(t, err)
	assert.Equal(t, "key-one-0123456789", cur)
	assert.Empty(t, prev)

	_, err = c.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(arn), SecretString: aws.String("key-two-0123456789")})
	require.NoError(t, err)
	cur, prev, err = SecretVersions(ctx, c, arn)
	require.NoError(t, err)
	assert.Equal(t, "key-two-0123456789", cur)
	assert.Equal(t, "key-one-0123456789", prev)

	_, _, err = SecretVersions(ctx, c, arn+"-missing")
	assert.ErrorContains(t, err, "AWSCURRENT")
}
