package connections

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skyledger/skyledger/domain"
)

// Dynamo is the Store on the spec.Connections table (pk/sk, gsi1, TTL "ttl").
//
// Item layout:
//
//	pk=conn#{id}  sk=meta          the connection; channels (SS) is the reverse
//	                               index of its subscriptions; gsi1pk=user#{uid}
//	pk=conn#{id}  sk=key           gsi1pk=key#{kid}: lookup by API key
//	pk=conn#{id}  sk=rate#{window} n: control messages in a fixed window
//	pk=chan#{ch}  sk=conn#{id}     one subscription (with the principal)
//
// Subscribe/Unsubscribe are one TransactWriteItems over the meta item
// (conditional: exists, limit, membership) and the subscription item, so the
// forward and reverse index never disagree and the limit holds across Lambda
// instances. Lookups by channel read the base table with ConsistentRead.
// Every item carries ttl (epoch seconds); reads ignore expired items because
// DynamoDB's TTL deletion is lazy.
type Dynamo struct {
	c     *dynamodb.Client
	table string
	// Now is the clock used for expiry; time.Now when nil.
	Now func() time.Time
}

var _ Store = (*Dynamo)(nil)

// NewDynamo returns a Store on the physical table name.
func NewDynamo(c *dynamodb.Client, table string) *Dynamo { return &Dynamo{c: c, table: table} }

func (d *Dynamo) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

func connPK(id string) string { return "conn#" + id }
func chanPK(ch string) string { return "chan#" + ch }

func str(item map[string]types.AttributeValue, k string) string {
	if v, ok := item[k].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func num(item map[string]types.AttributeValue, k string) int64 {
	if v, ok := item[k].(*types.AttributeValueMemberN); ok {
		i, _ := strconv.ParseInt(v.Value, 10, 64)
		return i
	}
	return 0
}

func (d *Dynamo) alive(item map[string]types.AttributeValue) bool {
	return num(item, "ttl") > d.now().Unix()
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": s(pk), "sk": s(sk)}
}

// Put implements Store. It replaces any previous record with the same id.
func (d *Dynamo) Put(ctx context.Context, c Connection) error {
	if err := d.Delete(ctx, c.ID); err != nil {
		return err
	}
	ttl := c.ExpiresAt.Unix()
	meta := map[string]types.AttributeValue{
		"pk": s(connPK(c.ID)), "sk": s("meta"), "conn_id": s(c.ID),
		"user_id": s(c.UserID), "tenant_id": s(c.TenantID), "role": s(string(c.Role)),
		"connected_at": s(c.ConnectedAt.UTC().Format(time.RFC3339Nano)), "ttl": n(ttl),
		"gsi1pk": s("user#" + c.UserID), "gsi1sk": s(connPK(c.ID)),
	}
	if c.KeyID != "" {
		meta["key_id"] = s(c.KeyID)
	}
	items := []types.TransactWriteItem{{Put: &types.Put{TableName: &d.table, Item: meta}}}
	if c.KeyID != "" {
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: &d.table, Item: map[string]types.AttributeValue{
			"pk": s(connPK(c.ID)), "sk": s("key"), "conn_id": s(c.ID), "ttl": n(ttl),
			"gsi1pk": s("key#" + c.KeyID), "gsi1sk": s(connPK(c.ID)),
		}}})
	}
	if _, err := d.c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items}); err != nil {
		return fmt.Errorf("put connection %s: %w", c.ID, err)
	}
	return nil
}

func (d *Dynamo) meta(ctx context.Context, id string) (map[string]types.AttributeValue, error) {
	out, err := d.c.GetItem(ctx, &dynamodb.GetItemInput{TableName: &d.table, Key: key(connPK(id), "meta"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("get connection %s: %w", id, err)
	}
	if out.Item == nil || !d.alive(out.Item) {
		return nil, ErrNotFound
	}
	return out.Item, nil
}

// Get implements Store.
func (d *Dynamo) Get(ctx context.Context, id string) (Connection, error) {
	item, err := d.meta(ctx, id)
	if err != nil {
		return Connection{}, err
	}
	at, _ := time.Parse(time.RFC3339Nano, str(item, "connected_at"))
	return Connection{ID: id, UserID: str(item, "user_id"), TenantID: str(item, "tenant_id"),
		Role: domain.Role(str(item, "role")), KeyID: str(item, "key_id"), ConnectedAt: at,
		ExpiresAt: time.Unix(num(item, "ttl"), 0).UTC()}, nil
}

func channelsOf(item map[string]types.AttributeValue) []string {
	if v, ok := item["channels"].(*types.AttributeValueMemberSS); ok {
		out := append([]string(nil), v.Value...)
		sort.Strings(out)
		return out
	}
	return []string{}
}

// Delete implements Store.
func (d *Dynamo) Delete(ctx context.Context, id string) error {
	var keys []map[string]types.AttributeValue
	err := d.eachInPartition(ctx, "", connPK(id), func(it map[string]types.AttributeValue) {
		keys = append(keys, key(str(it, "pk"), str(it, "sk")))
		if str(it, "sk") == "meta" {
			for _, ch := range channelsOf(it) {
				keys = append(keys, key(chanPK(ch), connPK(id)))
			}
		}
	})
	if err != nil {
		return fmt.Errorf("delete connection %s: query: %w", id, err)
	}
	if err := d.deleteKeys(ctx, keys); err != nil {
		return fmt.Errorf("delete connection %s: %w", id, err)
	}
	return nil
}

func (d *Dynamo) deleteKeys(ctx context.Context, keys []map[string]types.AttributeValue) error {
	for len(keys) > 0 {
		k := min(25, len(keys))
		reqs := make([]types.WriteRequest, 0, k)
		for _, kk := range keys[:k] {
			reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: kk}})
		}
		keys = keys[k:]
		pending := map[string][]types.WriteRequest{d.table: reqs}
		for attempt := 0; len(pending[d.table]) > 0; attempt++ {
			if attempt > 8 {
				return errors.New("batch delete: unprocessed items after retries")
			}
			if attempt > 0 {
				time.Sleep(time.Duration(attempt*attempt) * 20 * time.Millisecond)
			}
			out, err := d.c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
			if err != nil {
				return fmt.Errorf("batch delete: %w", err)
			}
			pending = out.UnprocessedItems
		}
	}
	return nil
}

func cancelled(err error) bool {
	var tc *types.TransactionCanceledException
	return errors.As(err, &tc)
}

// Subscribe implements Store.
func (d *Dynamo) Subscribe(ctx context.Context, id, channel string) (bool, error) {
	now := d.now().Unix()
	for attempt := 0; attempt < 3; attempt++ {
		item, err := d.meta(ctx, id)
		if err != nil {
			return false, err
		}
		chs := channelsOf(item)
		i := sort.SearchStrings(chs, channel)
		if i < len(chs) && chs[i] == channel {
			return false, nil
		}
		if len(chs) >= MaxSubscriptions {
			return false, ErrLimit
		}
		sub := map[string]types.AttributeValue{"pk": s(chanPK(channel)), "sk": s(connPK(id)), "conn_id": s(id)}
		for _, k := range []string{"user_id", "tenant_id", "role", "key_id", "ttl"} {
			if v, ok := item[k]; ok {
				sub[k] = v
			}
		}
		_, err = d.c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Update: &types.Update{TableName: &d.table, Key: key(connPK(id), "meta"),
				UpdateExpression:         aws.String("ADD channels :set"),
				ConditionExpression:      aws.String("attribute_exists(pk) AND #ttl > :now AND (attribute_not_exists(channels) OR size(channels) < :max) AND NOT contains(channels, :ch)"),
				ExpressionAttributeNames: map[string]string{"#ttl": "ttl"},
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":set": &types.AttributeValueMemberSS{Value: []string{channel}}, ":now": n(now),
					":max": n(MaxSubscriptions), ":ch": s(channel)}}},
			{Put: &types.Put{TableName: &d.table, Item: sub}},
		}})
		if err == nil {
			return true, nil
		}
		if !cancelled(err) {
			return false, fmt.Errorf("subscribe %s to %s: %w", id, channel, err)
		}
		// A concurrent change won the race: re-read and decide again.
	}
	return false, fmt.Errorf("subscribe %s to %s: too much contention: %w", id, channel, domain.ErrUnavailable)
}

// Unsubscribe implements Store.
func (d *Dynamo) Unsubscribe(ctx context.Context, id, channel string) (bool, error) {
	_, err := d.c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{TableName: &d.table, Key: key(connPK(id), "meta"),
			UpdateExpression:          aws.String("DELETE channels :set"),
			ConditionExpression:       aws.String("attribute_exists(pk) AND contains(channels, :ch)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":set": &types.AttributeValueMemberSS{Value: []string{channel}}, ":ch": s(channel)}}},
		{Delete: &types.Delete{TableName: &d.table, Key: key(chanPK(channel), connPK(id))}},
	}})
	if err == nil {
		return true, nil
	}
	if !cancelled(err) {
		return false, fmt.Errorf("unsubscribe %s from %s: %w", id, channel, err)
	}
	if _, err := d.meta(ctx, id); err != nil {
		return false, err
	}
	return false, nil
}

// Channels implements Store.
func (d *Dynamo) Channels(ctx context.Context, id string) ([]string, error) {
	item, err := d.meta(ctx, id)
	if err != nil {
		return nil, err
	}
	return channelsOf(item), nil
}

// ByChannel implements Store.
func (d *Dynamo) ByChannel(ctx context.Context, channel string) ([]Subscriber, error) {
	out := []Subscriber{}
	err := d.eachInPartition(ctx, "", chanPK(channel), func(it map[string]types.AttributeValue) {
		if d.alive(it) {
			out = append(out, Subscriber{ConnectionID: str(it, "conn_id"), UserID: str(it, "user_id"),
				TenantID: str(it, "tenant_id"), Role: domain.Role(str(it, "role")), KeyID: str(it, "key_id")})
		}
	})
	if err != nil {
		return nil, fmt.Errorf("subscribers of %s: %w", channel, err)
	}
	return out, nil
}

// eachInPartition calls fn with every item under partition key pk, page by
// page: of the table when index is "" (read strongly consistent), else of
// that global secondary index, whose partition key is named index+"pk"
// (eventually consistent, as any GSI read).
func (d *Dynamo) eachInPartition(ctx context.Context, index, pk string, fn func(map[string]types.AttributeValue)) error {
	in := &dynamodb.QueryInput{
		TableName: &d.table, ConsistentRead: aws.Bool(true),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s(pk)},
	}
	if index != "" {
		in.IndexName, in.ConsistentRead = aws.String(index), nil
		in.KeyConditionExpression = aws.String(index + "pk = :pk")
	}
	p := dynamodb.NewQueryPaginator(d.c, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, it := range page.Items {
			fn(it)
		}
	}
	return nil
}

// byIndex returns the ids of the live connections under gsi1pk in gsi1.
func (d *Dynamo) byIndex(ctx context.Context, gsi1pk string) ([]string, error) {
	out := []string{}
	err := d.eachInPartition(ctx, "gsi1", gsi1pk, func(it map[string]types.AttributeValue) {
		if d.alive(it) {
			out = append(out, str(it, "conn_id"))
		}
	})
	if err != nil {
		return nil, fmt.Errorf("connections of %s: %w", gsi1pk, err)
	}
	return out, nil
}

// ByUser implements Store. It reads a GSI (eventually consistent).
func (d *Dynamo) ByUser(ctx context.Context, userID string) ([]string, error) {
	return d.byIndex(ctx, "user#"+userID)
}

// ByKey implements Store. It reads a GSI (eventually consistent).
func (d *Dynamo) ByKey(ctx context.Context, keyID string) ([]string, error) {
	if keyID == "" {
		return []string{}, nil
	}
	return d.byIndex(ctx, "key#"+keyID)
}

// Allow implements Store: one conditional UpdateItem ADD on the counter item
// of the fixed window (pk=conn#{id}, sk=rate#{window}).
func (d *Dynamo) Allow(ctx context.Context, id string, now time.Time) (Decision, error) {
	w, left := window(now)
	_, err := d.c.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &d.table, Key: key(connPK(id), "rate#"+strconv.FormatInt(w, 10)),
		UpdateExpression:         aws.String("ADD n :one SET #ttl = :ttl, conn_id = :id"),
		ConditionExpression:      aws.String("attribute_not_exists(n) OR n < :limit"),
		ExpressionAttributeNames: map[string]string{"#ttl": "ttl"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":one": n(1), ":limit": n(RateLimit), ":id": s(id),
			":ttl": n(now.Add(left + time.Minute).Unix())},
	})
	var ccf *types.ConditionalCheckFailedException
	switch {
	case err == nil:
		return Decision{Allowed: true}, nil
	case errors.As(err, &ccf):
		return Decision{Allowed: false, RetryAfter: left}, nil
	default:
		return Decision{}, fmt.Errorf("rate counter of %s: %w", id, err)
	}
}
