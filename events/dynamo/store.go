// Package dynamo is the DynamoDB adapter of the event store: events in the
// Events table (stream_id S, version N; its NEW_IMAGE stream feeds the
// projector), inline records in the Records table (pk S, TTL attribute ttl),
// both written by one TransactWriteItems per append.
//
// Transaction layout of an append (at most 100 items, see
// events.CheckAppend):
//
//	[ConditionCheck version=expected exists]   when expected > 0
//	Put event expected+1 .. expected+n          attribute_not_exists(stream_id)
//	record ops                                  Put (if absent / idempotency:
//	                                            attribute_not_exists(pk) OR ttl <= now),
//	                                            Update (RecordPut: rev+1), Delete
//
// The ConditionCheck makes a too-high expected version fail instead of
// leaving a gap. CancellationReasons are mapped by item index to
// *events.ReplayError (idempotency record exists; the stored record is read
// and returned), *events.DuplicateError (reservation taken) and
// *events.ConflictError (version), in that precedence.
//
// The package also holds the item codec of both tables (codec.go) and the
// stream codec at the edges: DynamoDB Streams API records and the records
// Lambda delivers decode into events.Change, and a Change encodes into the
// Lambda record (for the local event source mapping).
package dynamo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skyledger/skyledger/events"
)

var _ events.Store = (*Store)(nil)

// Store is the DynamoDB event store. Safe for concurrent use.
type Store struct {
	c       *dynamodb.Client
	events  string
	records string
	now     func() time.Time
}

// New returns a store on the given physical table names (see
// spec.TableName; the tables must exist, e.g. via ddb.EnsureTables).
func New(c *dynamodb.Client, eventsTable, recordsTable string) *Store {
	return &Store{c: c, events: eventsTable, records: recordsTable, now: time.Now}
}

// WithClock returns a copy of the store using now for record expiry.
func (s *Store) WithClock(now func() time.Time) *Store {
	cp := *s
	cp.now = now
	return &cp
}

// expression attribute names used everywhere (data, ttl and kind are
// reserved words or close to it; naming them all keeps expressions uniform).
var names = map[string]string{"#sid": AttrStreamID, "#v": AttrVersion}

func recNames() map[string]string {
	return map[string]string{"#pk": AttrRecordKey, "#ttl": AttrRecordTTL, "#rev": AttrRecordRev}
}

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}
func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

// maxAnyRetries bounds ExpectAny's read-version-then-append loop.
const maxAnyRetries = 20

// Append implements events.Store.
func (s *Store) Append(ctx context.Context, req events.AppendRequest) (events.AppendResult, error) {
	if err := events.CheckAppend(req); err != nil {
		return events.AppendResult{}, fmt.Errorf("append to %s: %w", req.StreamID, err)
	}
	if req.ExpectedVersion != events.ExpectAny {
		return s.appendOnce(ctx, req)
	}
	for attempt := 0; ; attempt++ {
		cur, err := s.head(ctx, req.StreamID)
		if err != nil {
			return events.AppendResult{}, err
		}
		r := req
		r.ExpectedVersion = cur
		r.Events = make([]events.Envelope, len(req.Events))
		for i, e := range req.Events {
			e.Version = cur + int64(i) + 1
			r.Events[i] = e
		}
		res, err := s.appendOnce(ctx, r)
		if errors.Is(err, events.ErrVersionConflict) && attempt < maxAnyRetries {
			continue
		}
		return res, err
	}
}

// head returns the stream's current version (0: no stream).
func (s *Store) head(ctx context.Context, stream string) (int64, error) {
	out, err := s.c.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(s.events),
		KeyConditionExpression:    aws.String("#sid = :s"),
		ExpressionAttributeNames:  map[string]string{"#sid": AttrStreamID, "#v": AttrVersion},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": str(stream)},
		ProjectionExpression:      aws.String("#v"),
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(1),
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return 0, fmt.Errorf("read head of %s: %w", stream, err)
	}
	if len(out.Items) == 0 {
		return 0, nil
	}
	var it struct {
		Version int64 `dynamodbav:"version"`
	}
	if err := attributevalue.UnmarshalMap(out.Items[0], &it); err != nil {
		return 0, fmt.Errorf("read head of %s: %w", stream, err)
	}
	return it.Version, nil
}

type itemRole struct {
	kind byte // 'c' condition check, 'e' event, 'r' record
	op   events.RecordOp
}

func (s *Store) appendOnce(ctx context.Context, req events.AppendRequest) (events.AppendResult, error) {
	now := s.now()
	var items []types.TransactWriteItem
	var roles []itemRole
	if req.ExpectedVersion > 0 {
		items = append(items, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName:                aws.String(s.events),
			Key:                      map[string]types.AttributeValue{AttrStreamID: str(req.StreamID), AttrVersion: num(req.ExpectedVersion)},
			ConditionExpression:      aws.String("attribute_exists(#sid)"),
			ExpressionAttributeNames: map[string]string{"#sid": AttrStreamID},
		}})
		roles = append(roles, itemRole{kind: 'c'})
	}
	for _, e := range req.Events {
		item, err := MarshalItem(e)
		if err != nil {
			return events.AppendResult{}, fmt.Errorf("append to %s: %w", req.StreamID, err)
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{
			TableName:                aws.String(s.events),
			Item:                     item,
			ConditionExpression:      aws.String("attribute_not_exists(#sid)"),
			ExpressionAttributeNames: map[string]string{"#sid": AttrStreamID},
		}})
		roles = append(roles, itemRole{kind: 'e'})
	}
	for _, op := range req.Records {
		ti, err := s.recordItem(op, now)
		if err != nil {
			return events.AppendResult{}, fmt.Errorf("append to %s: %w", req.StreamID, err)
		}
		items = append(items, ti)
		roles = append(roles, itemRole{kind: 'r', op: op})
	}
	_, err := s.c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		last := req.Events[len(req.Events)-1].Version
		return events.AppendResult{StreamID: req.StreamID, Version: last}, nil
	}
	return events.AppendResult{}, s.mapCancel(ctx, req, roles, err)
}

// recordItem is the transaction item of one inline record op.
func (s *Store) recordItem(op events.RecordOp, now time.Time) (types.TransactWriteItem, error) {
	key := map[string]types.AttributeValue{AttrRecordKey: str(op.Record.Key)}
	switch op.Mode {
	case events.RecordDelete:
		return types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(s.records), Key: key}}, nil
	case events.RecordPut:
		rec := op.Record.Normalized()
		vals := map[string]types.AttributeValue{
			":kind": str(rec.Kind), ":data": str(string(rec.Data)), ":zero": num(0), ":one": num(1),
		}
		nm := map[string]string{"#kind": "kind", "#data": "data", "#rev": AttrRecordRev, "#ttl": AttrRecordTTL}
		upd := "SET #kind = :kind, #data = :data, #rev = if_not_exists(#rev, :zero) + :one"
		if rec.ExpiresAt != nil {
			upd += ", #ttl = :ttl"
			vals[":ttl"] = num(rec.ExpiresAt.Unix())
		} else {
			upd += " REMOVE #ttl"
		}
		return types.TransactWriteItem{Update: &types.Update{
			TableName: aws.String(s.records), Key: key, UpdateExpression: aws.String(upd),
			ExpressionAttributeNames: nm, ExpressionAttributeValues: vals,
		}}, nil
	case events.RecordPutIfAbsent, events.RecordIdempotency:
		rec := op.Record.Normalized()
		rec.Rev = 1
		item, err := MarshalRecordItem(rec)
		if err != nil {
			return types.TransactWriteItem{}, err
		}
		return types.TransactWriteItem{Put: &types.Put{
			TableName: aws.String(s.records), Item: item,
			ConditionExpression:                 aws.String("attribute_not_exists(#pk) OR #ttl <= :now"),
			ExpressionAttributeNames:            map[string]string{"#pk": AttrRecordKey, "#ttl": AttrRecordTTL},
			ExpressionAttributeValues:           map[string]types.AttributeValue{":now": num(now.Unix())},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}}, nil
	}
	return types.TransactWriteItem{}, &events.ValidationError{Field: "records.mode", Reason: fmt.Sprintf("unknown mode %d", op.Mode)}
}

// mapCancel turns a cancelled transaction into the typed store errors.
func (s *Store) mapCancel(ctx context.Context, req events.AppendRequest, roles []itemRole, err error) error {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return fmt.Errorf("append to %s: %w", req.StreamID, err)
	}
	reasons := tce.CancellationReasons
	var replay, dup *events.RecordOp
	var replayItem map[string]types.AttributeValue
	conflict, contention := false, false
	for i, r := range reasons {
		if i >= len(roles) || r.Code == nil {
			continue
		}
		switch *r.Code {
		case "None", "":
		case "ConditionalCheckFailed":
			role := roles[i]
			switch role.kind {
			case 'c', 'e':
				conflict = true
			case 'r':
				op := role.op
				if op.Mode == events.RecordIdempotency && replay == nil {
					replay, replayItem = &op, r.Item
				} else if dup == nil {
					dup = &op
				}
			}
		case "TransactionConflict":
			// Another transaction touched one of our items at the same time.
			contention = true
		default:
			return fmt.Errorf("append to %s: transaction cancelled (%s: %s): %w", req.StreamID, *r.Code, aws.ToString(r.Message), err)
		}
	}
	switch {
	case replay != nil:
		rec, gerr := s.replayRecord(ctx, replay.Record.Key, replayItem)
		if gerr != nil {
			return fmt.Errorf("append to %s: idempotency record %s exists but cannot be read: %w", req.StreamID, replay.Record.Key, gerr)
		}
		return fmt.Errorf("append to %s: %w", req.StreamID, &events.ReplayError{Record: rec})
	case dup != nil:
		return fmt.Errorf("append to %s: %w", req.StreamID, &events.DuplicateError{Key: dup.Record.Key})
	case conflict || contention:
		return fmt.Errorf("append: %w", &events.ConflictError{StreamID: req.StreamID, Expected: req.ExpectedVersion})
	}
	return fmt.Errorf("append to %s: %w", req.StreamID, err)
}

func (s *Store) replayRecord(ctx context.Context, key string, item map[string]types.AttributeValue) (events.Record, error) {
	if len(item) > 0 {
		return UnmarshalRecordItem(item)
	}
	out, err := s.c.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.records), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{AttrRecordKey: str(key)},
	})
	if err != nil {
		return events.Record{}, err
	}
	if len(out.Item) == 0 {
		return events.Record{}, events.ErrNotFound
	}
	return UnmarshalRecordItem(out.Item)
}

// Load implements events.Store. It follows DynamoDB's 1 MB query pages until
// the page is full, and asks for one item more than limit to know whether a
// next page exists.
func (s *Store) Load(ctx context.Context, streamID string, from int64, limit int) (events.Page, error) {
	if limit <= 0 {
		limit = events.DefaultLoadPageSize
	}
	if from < 1 {
		from = 1
	}
	var out []events.Envelope
	var start map[string]types.AttributeValue
	for {
		q, err := s.c.Query(ctx, &dynamodb.QueryInput{
			TableName:                 aws.String(s.events),
			KeyConditionExpression:    aws.String("#sid = :s AND #v >= :from"),
			ExpressionAttributeNames:  names,
			ExpressionAttributeValues: map[string]types.AttributeValue{":s": str(streamID), ":from": num(from)},
			ConsistentRead:            aws.Bool(true),
			Limit:                     aws.Int32(int32(limit + 1 - len(out))),
			ExclusiveStartKey:         start,
		})
		if err != nil {
			return events.Page{}, fmt.Errorf("load %s from %d: %w", streamID, from, err)
		}
		for _, it := range q.Items {
			e, err := UnmarshalItem(it)
			if err != nil {
				return events.Page{}, fmt.Errorf("load %s: %w", streamID, err)
			}
			out = append(out, e)
		}
		start = q.LastEvaluatedKey
		if len(start) == 0 || len(out) > limit {
			break
		}
	}
	var p events.Page
	if len(out) > limit {
		p.Next = out[limit].Version
		out = out[:limit]
	}
	p.Events = out
	if len(out) == 0 {
		v, err := s.head(ctx, streamID)
		if err != nil {
			return p, err
		}
		if v == 0 {
			return p, fmt.Errorf("stream %s: %w", streamID, events.ErrNotFound)
		}
	}
	return p, nil
}

// ReadAll implements events.Store: it scans the table for the first event
// of every stream (a filtered, key-only scan) and then loads each stream in
// version order. Order across streams is the scan's.
func (s *Store) ReadAll(ctx context.Context, fn func(events.Envelope) error) error {
	p := dynamodb.NewScanPaginator(s.c, &dynamodb.ScanInput{
		TableName:                 aws.String(s.events),
		ConsistentRead:            aws.Bool(true),
		FilterExpression:          aws.String("#v = :one"),
		ProjectionExpression:      aws.String("#sid, #v"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1)},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("read all: scan: %w", err)
		}
		for _, it := range page.Items {
			var k struct {
				StreamID string `dynamodbav:"stream_id"`
			}
			if err := attributevalue.UnmarshalMap(it, &k); err != nil {
				return fmt.Errorf("read all: %w", err)
			}
			from := int64(1)
			for from != 0 {
				pg, err := s.Load(ctx, k.StreamID, from, 1000)
				if err != nil {
					return fmt.Errorf("read all: %w", err)
				}
				for _, e := range pg.Events {
					if err := fn(e); err != nil {
						return err
					}
				}
				from = pg.Next
			}
		}
	}
	return nil
}

// GetRecord implements events.Records. An item whose ttl has passed is
// treated as absent (DynamoDB deletes expired items lazily).
func (s *Store) GetRecord(ctx context.Context, key string) (events.Record, error) {
	if key == "" {
		return events.Record{}, fmt.Errorf("record with empty key: %w", events.ErrNotFound)
	}
	out, err := s.c.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.records), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{AttrRecordKey: str(key)},
	})
	if err != nil {
		return events.Record{}, fmt.Errorf("get record %s: %w", key, err)
	}
	if len(out.Item) == 0 {
		return events.Record{}, fmt.Errorf("record %s: %w", key, events.ErrNotFound)
	}
	r, err := UnmarshalRecordItem(out.Item)
	if err != nil {
		return events.Record{}, fmt.Errorf("get record %s: %w", key, err)
	}
	if r.Expired(s.now()) {
		return events.Record{}, fmt.Errorf("record %s: expired: %w", key, events.ErrNotFound)
	}
	return r, nil
}

// CompareAndPut implements events.Records with a conditional PutItem.
func (s *Store) CompareAndPut(ctx context.Context, rec events.Record, expectRev int64) (events.Record, error) {
	if err := events.ValidateCompareAndPut(rec, expectRev); err != nil {
		return events.Record{}, err
	}
	rec = rec.Normalized()
	rec.Rev = expectRev + 1
	item, err := MarshalRecordItem(rec)
	if err != nil {
		return events.Record{}, fmt.Errorf("put record %s: %w", rec.Key, err)
	}
	wid := newWriteID()
	item[attrWriteID] = &types.AttributeValueMemberS{Value: wid}
	in := &dynamodb.PutItemInput{TableName: aws.String(s.records), Item: item, ExpressionAttributeNames: recNames(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}
	nowV := num(s.now().Unix())
	if expectRev == 0 {
		in.ConditionExpression = aws.String("attribute_not_exists(#pk) OR #ttl <= :now")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":now": nowV}
		delete(in.ExpressionAttributeNames, "#rev")
	} else {
		in.ConditionExpression = aws.String("#rev = :rev AND (attribute_not_exists(#ttl) OR #ttl > :now)")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":now": nowV, ":rev": num(expectRev)}
		delete(in.ExpressionAttributeNames, "#pk")
	}
	if _, err := s.c.PutItem(ctx, in); err != nil {
		var ccf *types.ConditionalCheckFailedException
		if !errors.As(err, &ccf) {
			return events.Record{}, fmt.Errorf("put record %s: %w", rec.Key, err)
		}
		// The SDK retries a request whose answer was lost (a reset
		// connection, a 5xx after the write); the retry then fails its own
		// condition. The write id tells that write apart from a
		// concurrent writer's identical record: if the item the condition
		// failed on (returned with the error) carries ours, the write
		// happened and succeeded.
		if v, ok := ccf.Item[attrWriteID].(*types.AttributeValueMemberS); ok && v.Value == wid {
			return rec, nil
		}
		return events.Record{}, fmt.Errorf("record %s: expected rev %d does not hold: %w", rec.Key, expectRev, events.ErrVersionConflict)
	}
	return rec, nil
}

// attrWriteID holds a random id of the CompareAndPut that wrote a record
// item, so that a retried request can recognise its own earlier write.
const attrWriteID = "wid"

func newWriteID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// TakeRecord implements events.Records with a conditional DeleteItem
// returning ALL_OLD: exactly one concurrent caller gets the record.
func (s *Store) TakeRecord(ctx context.Context, key string) (events.Record, error) {
	if key == "" {
		return events.Record{}, &events.ValidationError{Field: "record.key", Reason: "required"}
	}
	out, err := s.c.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 aws.String(s.records),
		Key:                       map[string]types.AttributeValue{AttrRecordKey: str(key)},
		ConditionExpression:       aws.String("attribute_exists(#pk) AND (attribute_not_exists(#ttl) OR #ttl > :now)"),
		ExpressionAttributeNames:  map[string]string{"#pk": AttrRecordKey, "#ttl": AttrRecordTTL},
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": num(s.now().Unix())},
		ReturnValues:              types.ReturnValueAllOld,
	})
	if err != nil {
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			return events.Record{}, fmt.Errorf("take record %s: %w", key, events.ErrNotFound)
		}
		return events.Record{}, fmt.Errorf("take record %s: %w", key, err)
	}
	r, err := UnmarshalRecordItem(out.Attributes)
	if err != nil {
		return events.Record{}, fmt.Errorf("take record %s: %w", key, err)
	}
	return r, nil
}
