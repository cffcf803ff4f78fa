package lambdaenv

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// SecretGetter is the part of the Secrets Manager client SecretVersions uses.
type SecretGetter interface {
	GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// Secret reads a secret's current value (stage AWSCURRENT), for a secret
// that is never rotated.
func Secret(ctx context.Context, c SecretGetter, arn string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	cur, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		return "", fmt.Errorf("get secret (AWSCURRENT): %w", err)
	}
	return aws.ToString(cur.SecretString), nil
}

// Secret is the package function with fail-fast: it exits (Fail) when the
// value cannot be read. The value is never logged.
func (e *Env) Secret(ctx context.Context, c SecretGetter, arn string) string {
	v, err := Secret(ctx, c, arn)
	if err != nil {
		e.Fail("read secret", "error", err.Error())
	}
	return v
}

// SecretVersions reads a secret's current value (stage AWSCURRENT) and, when
// the secret was rotated, its previous one (AWSPREVIOUS; "" when there is
// none). Keys read this way at cold start never appear in the function's
// configuration; the previous value lets a rotated key keep verifying what
// the old one signed until the next rotation.
func SecretVersions(ctx context.Context, c SecretGetter, arn string) (current, previous string, err error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	cur, err := Secret(ctx, c, arn)
	if err != nil {
		return "", "", err
	}
	prev, err := c.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn), VersionStage: aws.String("AWSPREVIOUS")})
	var nf *types.ResourceNotFoundException
	switch {
	case errors.As(err, &nf):
		return cur, "", nil
	case err != nil:
		return "", "", fmt.Errorf("get secret (AWSPREVIOUS): %w", err)
	}
	return cur, aws.ToString(prev.SecretString), nil
}

// SecretVersions is the package function with fail-fast: it exits (Fail)
// when the current value cannot be read. Values are never logged.
func (e *Env) SecretVersions(ctx context.Context, c SecretGetter, arn string) (current, previous string) {
	cur, prev, err := SecretVersions(ctx, c, arn)
	if err != nil {
		e.Fail("read secret", "error", err.Error())
		return "", ""
	}
	return cur, prev
}
