package readmodel

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skyledger/skyledger/infra/spec"
)

// Dynamo is the read model on the spec.ReadModel table. Items are stored
// with the attributes pk, sk, gsi1pk, gsi1sk (absent when not indexed, so
// gsi1 is sparse), src_stream, src_version (N), body (the JSON as a string)
// and deleted (tombstones). It is safe for concurrent use.
type Dynamo struct {
	c     *dynamodb.Client
	table string
}

var _ Store = (*Dynamo)(nil)

// NewDynamo returns the adapter for the physical table name
// (spec.TableName(prefix, spec.ReadModel)).
func NewDynamo(c *dynamodb.Client, table string) *Dynamo { return &Dynamo{c: c, table: table} }

type ddbItem struct {
	PK         string `dynamodbav:"pk"`
	SK         string `dynamodbav:"sk"`
	GSI1PK     string `dynamodbav:"gsi1pk,omitempty"`
	GSI1SK     string `dynamodbav:"gsi1sk,omitempty"`
	SrcStream  string `dynamodbav:"src_stream"`
	SrcVersion int64  `dynamodbav:"src_version"`
	Body       string `dynamodbav:"body"`
	Deleted    bool   `dynamodbav:"deleted,omitempty"`
}

func toDDB(it Item, deleted bool) ddbItem {
	return ddbItem{PK: it.PK, SK: it.SK, GSI1PK: it.GSI1PK, GSI1SK: it.GSI1SK,
		SrcStream: it.SourceStream, SrcVersion: it.SourceVersion, Body: string(it.Body), Deleted: deleted}
}

func (d ddbItem) item() Item {
	return Item{PK: d.PK, SK: d.SK, GSI1PK: d.GSI1PK, GSI1SK: d.GSI1SK,
		SourceStream: d.SrcStream, SourceVersion: d.SrcVersion, Body: []byte(d.Body)}
}

// Put implements Store.
func (d *Dynamo) Put(ctx context.Context, it Item) (bool, error) {
	if err := it.Validate(); err != nil {
		return false, err
	}
	return d.put(ctx, toDDB(it, false), false)
}

// Delete implements Store.
func (d *Dynamo) Delete(ctx context.Context, pk, sk, sourceStream string, sourceVersion int64) (bool, error) {
	tomb, err := Tombstone(pk, sk, sourceStream, sourceVersion)
	if err != nil {
		return false, err
	}
	return d.put(ctx, toDDB(tomb, true), false)
}

// Overwrite writes it (a tombstone if deleted) unless the stored item has a
// greater source version: unlike Put, an item of the same version is
// replaced. For an in-place rebuild that repairs items the projector wrote
// wrongly at their current versions. It reports whether it wrote.
func (d *Dynamo) Overwrite(ctx context.Context, it Item, deleted bool) (bool, error) {
	if err := it.Validate(); err != nil {
		return false, err
	}
	return d.put(ctx, toDDB(it, deleted), true)
}

// The conditions of put: no item under the key, or the stored one has a
// lower source version (condNotNewer: lower or the same).
const (
	condOlder    = "attribute_not_exists(#pk) OR #v < :v"
	condNotNewer = "attribute_not_exists(#pk) OR #v <= :v"
)

// put writes it if no item is stored under its key or the stored one has a
// lower source version (or the same one, with sameVersion).
func (d *Dynamo) put(ctx context.Context, it ddbItem, sameVersion bool) (bool, error) {
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return false, fmt.Errorf("marshal read model item: %w", err)
	}
	cond := condOlder
	if sameVersion {
		cond = condNotNewer
	}
	_, err = d.c.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(d.table), Item: av,
		ConditionExpression:      aws.String(cond),
		ExpressionAttributeNames: map[string]string{"#pk": "pk", "#v": "src_version"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":v": &types.AttributeValueMemberN{Value: strconv.FormatInt(it.SrcVersion, 10)},
		},
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("put %s/%s: %w", it.PK, it.SK, err)
	}
	return true, nil
}

// Get implements Store (strongly consistent).
func (d *Dynamo) Get(ctx context.Context, pk, sk string) (Item, error) {
	out, err := d.c.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(d.table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: sk}},
	})
	if err != nil {
		return Item{}, fmt.Errorf("get %s/%s: %w", pk, sk, err)
	}
	if out.Item == nil {
		return Item{}, fmt.Errorf("get %s/%s: %w", pk, sk, ErrNotFound)
	}
	var di ddbItem
	if err := attributevalue.UnmarshalMap(out.Item, &di); err != nil {
		return Item{}, fmt.Errorf("decode %s/%s: %w", pk, sk, err)
	}
	if di.Deleted {
		return Item{}, fmt.Errorf("get %s/%s: %w", pk, sk, ErrNotFound)
	}
	return di.item(), nil
}

// Query implements Store. It reads pages of limit+1 until it has one item
// more than the limit (so Next is empty exactly when nothing follows) or the
// partition ends; tombstones are filtered out.
func (d *Dynamo) Query(ctx context.Context, q Query) (Page, error) {
	if err := q.Validate(); err != nil {
		return Page{}, err
	}
	pkName, skName := "pk", "sk"
	if q.Index == IndexGSI1 {
		pkName, skName = "gsi1pk", "gsi1sk"
	}
	kc := expression.Key(pkName).Equal(expression.Value(q.PK))
	switch {
	case q.SKPrefix != "":
		kc = kc.And(expression.Key(skName).BeginsWith(q.SKPrefix))
	case q.SKFrom != "" && q.SKTo != "":
		kc = kc.And(expression.Key(skName).Between(expression.Value(q.SKFrom), expression.Value(q.SKTo)))
	case q.SKFrom != "":
		kc = kc.And(expression.Key(skName).GreaterThanEqual(expression.Value(q.SKFrom)))
	case q.SKTo != "":
		kc = kc.And(expression.Key(skName).LessThanEqual(expression.Value(q.SKTo)))
	}
	filter := expression.AttributeNotExists(expression.Name("deleted"))
	expr, err := expression.NewBuilder().WithKeyCondition(kc).WithFilter(filter).Build()
	if err != nil {
		return Page{}, fmt.Errorf("build query: %w", err)
	}
	limit := q.EffectiveLimit()
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(d.table),
		KeyConditionExpression:    expr.KeyCondition(),
		FilterExpression:          expr.Filter(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ScanIndexForward:          aws.Bool(!q.Desc),
		Limit:                     aws.Int32(int32(limit + 1)),
	}
	if q.Index == IndexGSI1 {
		in.IndexName = aws.String(IndexGSI1)
	} else {
		in.ConsistentRead = aws.Bool(true)
	}
	if q.Cursor != "" {
		c, err := decodeCursor(q.Cursor, q)
		if err != nil {
			return Page{}, err
		}
		in.ExclusiveStartKey = map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: c.PK}, "sk": &types.AttributeValueMemberS{Value: c.SK}}
		if q.Index == IndexGSI1 {
			in.ExclusiveStartKey["gsi1pk"] = &types.AttributeValueMemberS{Value: c.GSI1PK}
			in.ExclusiveStartKey["gsi1sk"] = &types.AttributeValueMemberS{Value: c.GSI1SK}
		}
	}
	var items []Item
	for {
		out, err := d.c.Query(ctx, in)
		if err != nil {
			return Page{}, fmt.Errorf("query %s %s: %w", q.Index, q.PK, err)
		}
		for _, av := range out.Items {
			var di ddbItem
			if err := attributevalue.UnmarshalMap(av, &di); err != nil {
				return Page{}, fmt.Errorf("decode query item: %w", err)
			}
			items = append(items, di.item())
		}
		if len(items) > limit || out.LastEvaluatedKey == nil {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	var p Page
	if len(items) > limit {
		items = items[:limit]
		p.Next = encodeCursor(items[limit-1], q.Index)
	}
	p.Items = items
	return p, nil
}

// Scan implements Store.
func (d *Dynamo) Scan(ctx context.Context, fn func(Item) error) error {
	p := dynamodb.NewScanPaginator(d.c, &dynamodb.ScanInput{TableName: aws.String(d.table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("scan %s: %w", d.table, err)
		}
		for _, av := range out.Items {
			var di ddbItem
			if err := attributevalue.UnmarshalMap(av, &di); err != nil {
				return fmt.Errorf("decode scan item: %w", err)
			}
			if di.Deleted {
				continue
			}
			if err := fn(di.item()); err != nil {
				return err
			}
		}
	}
	return nil
}

// TableFor is the physical ReadModel table name under a prefix.
func TableFor(prefix string) string { return spec.TableName(prefix, spec.ReadModel) }
