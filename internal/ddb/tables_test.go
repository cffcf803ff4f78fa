package ddb_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/awstest"
	"github.com/skyledger/skyledger/internal/ddb"
)

func TestEnsureTablesCreatesEveryDeclaredTableIdempotently(t *testing.T) {
	ctx := context.Background()
	c, prefix := awstest.Tables(t)
	require.NoError(t, ddb.EnsureTables(ctx, c, prefix), "second call must accept existing tables")
	for _, tb := range spec.Tables {
		out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(spec.TableName(prefix, tb))})
		require.NoError(t, err, tb.Name)
		assert.Len(t, out.Table.GlobalSecondaryIndexes, len(tb.Indexes), tb.Name)
		if tb.StreamNewImg {
			require.NotNil(t, out.Table.StreamSpecification, tb.Name)
			assert.True(t, *out.Table.StreamSpecification.StreamEnabled)
			assert.NotEmpty(t, aws.ToString(out.Table.LatestStreamArn))
		}
	}
}
