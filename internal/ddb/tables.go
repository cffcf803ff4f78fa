// Package ddb turns the shared table declarations (infra/spec) into real
// DynamoDB tables for local and test use. The CDK stack builds the same
// tables from the same declarations.
package ddb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skyledger/skyledger/infra/spec"
)

// EnsureTables creates every missing table under prefix (on-demand billing,
// streams and TTL as declared) and waits until each is ACTIVE. Existing
// tables are left as they are.
func EnsureTables(ctx context.Context, c *dynamodb.Client, prefix string, tables ...spec.Table) error {
	if len(tables) == 0 {
		tables = spec.Tables
	}
	for _, t := range tables {
		name := spec.TableName(prefix, t)
		_, err := c.CreateTable(ctx, CreateTableInput(name, t))
		var inUse *types.ResourceInUseException
		if err != nil && !errors.As(err, &inUse) {
			return fmt.Errorf("create table %s: %w", name, err)
		}
		w := dynamodb.NewTableExistsWaiter(c, func(o *dynamodb.TableExistsWaiterOptions) {
			o.MinDelay, o.MaxDelay = 50*time.Millisecond, time.Second
		})
		if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 2*time.Minute); err != nil {
			return fmt.Errorf("wait for table %s: %w", name, err)
		}
		if t.TTLAttribute != "" && err == nil {
			_, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
				TableName: aws.String(name),
				TimeToLiveSpecification: &types.TimeToLiveSpecification{
					AttributeName: aws.String(t.TTLAttribute), Enabled: aws.Bool(true)},
			})
			if err != nil {
				return fmt.Errorf("enable ttl on %s: %w", name, err)
			}
		}
	}
	return nil
}

// CreateTableInput is the CreateTable request for a declared table.
func CreateTableInput(name string, t spec.Table) *dynamodb.CreateTableInput {
	attrs := map[string]types.ScalarAttributeType{}
	key := func(k spec.Key, kt types.KeyType) types.KeySchemaElement {
		attrs[k.Name] = types.ScalarAttributeType(k.Type)
		return types.KeySchemaElement{AttributeName: aws.String(k.Name), KeyType: kt}
	}
	schema := []types.KeySchemaElement{key(t.PartitionKey, types.KeyTypeHash)}
	if t.SortKey != nil {
		schema = append(schema, key(*t.SortKey, types.KeyTypeRange))
	}
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		KeySchema:   schema,
		BillingMode: types.BillingModePayPerRequest,
	}
	for _, ix := range t.Indexes {
		ks := []types.KeySchemaElement{key(ix.PartitionKey, types.KeyTypeHash)}
		if ix.SortKey != nil {
			ks = append(ks, key(*ix.SortKey, types.KeyTypeRange))
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName:  aws.String(ix.Name),
			KeySchema:  ks,
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		})
	}
	for n, ty := range attrs {
		in.AttributeDefinitions = append(in.AttributeDefinitions,
			types.AttributeDefinition{AttributeName: aws.String(n), AttributeType: ty})
	}
	if t.StreamNewImg {
		in.StreamSpecification = &types.StreamSpecification{
			StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewImage}
	}
	return in
}
