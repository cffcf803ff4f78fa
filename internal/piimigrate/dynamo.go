package piimigrate

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/skyledger/skyledger/domain/identity"
	"github.com/skyledger/skyledger/events"
	"github.com/skyledger/skyledger/events/dynamo"
	"github.com/skyledger/skyledger/internal/auth"
	"github.com/skyledger/skyledger/internal/pii"
)

// BackupLine is one line of a DynamoDB migration's backup file: an item
// as it was before the migration touched it.
type BackupLine struct {
	Table    string           `json:"table"` // "events" or "records"
	Envelope *events.Envelope `json:"envelope,omitempty"`
	Record   *events.Record   `json:"record,omitempty"`
}

// Dynamo migrates the Events and Records tables in place, with the
// commands function stopped (no appends during the run):
//
//  1. backup: every item the migration will change is written, as it is,
//     to backupFile (JSON lines, mode 0600; it must not exist);
//  2. rewrite: schema-1 personal events are replaced by their sealed form
//     (a conditional PutItem on the same event id), legacy reservations are
//     put under their digest key and deleted, credential records lose the
//     e-mail;
//  3. verify: both tables are scanned again: the event count is the same,
//     every personal event is sealed and reads as before (or "[erased]"),
//     no reservation key holds an address, no credential an e-mail.
//
// The rewrite reaches the projector's stream as MODIFY records, which the
// projector skips (its read models already hold what the events say).
func Dynamo(ctx context.Context, c *dynamodb.Client, eventsTable, recordsTable, backupFile string, codec *pii.Codec, log io.Writer) (Report, error) {
	rep := Report{BackupLocation: backupFile}
	m := &migrator{codec: codec, rep: &rep}
	evs, err := scanEvents(ctx, c, eventsTable)
	if err != nil {
		return rep, err
	}
	recs, err := scanRecords(ctx, c, recordsTable)
	if err != nil {
		return rep, err
	}
	rep.Events = len(evs)
	orig := make(map[string]events.Envelope, len(evs))
	var lines []BackupLine
	for i := range evs {
		orig[evs[i].EventID] = evs[i]
		if len(identity.PersonalFields[evs[i].Type]) > 0 && evs[i].Schema == identity.SchemaV1 {
			lines = append(lines, BackupLine{Table: "events", Envelope: &evs[i]})
		}
	}
	for i := range recs {
		if _, ch, _ := (&migrator{rep: &Report{}}).migrateRecord(recs[i]); ch {
			lines = append(lines, BackupLine{Table: "records", Record: &recs[i]})
		}
	}
	if err := writeBackup(backupFile, lines); err != nil {
		return rep, err
	}
	fmt.Fprintf(log, "backup of %d items written to %s\n", len(lines), backupFile)
	rep.AlreadyMigrated = len(lines) == 0

	for _, e := range evs {
		sealed, changed, err := m.sealEvent(ctx, e)
		if err != nil {
			return rep, err
		}
		if !changed {
			continue
		}
		item, err := dynamo.MarshalItem(sealed)
		if err != nil {
			return rep, err
		}
		_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(eventsTable), Item: item,
			ConditionExpression:       aws.String("event_id = :id AND #s = :one"),
			ExpressionAttributeNames:  map[string]string{"#s": "schema"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":id": &types.AttributeValueMemberS{Value: e.EventID}, ":one": &types.AttributeValueMemberN{Value: "1"}}})
		if err != nil {
			return rep, fmt.Errorf("seal %s v%d: %w", e.StreamID, e.Version, err)
		}
	}
	for _, r := range recs {
		nr, changed, err := m.migrateRecord(r)
		if err != nil {
			return rep, err
		}
		if !changed {
			continue
		}
		item, err := dynamo.MarshalRecordItem(nr)
		if err != nil {
			return rep, err
		}
		if nr.Key == r.Key {
			_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(recordsTable), Item: item,
				ConditionExpression: aws.String("rev = :rev"), ExpressionAttributeValues: map[string]types.AttributeValue{
					":rev": &types.AttributeValueMemberN{Value: fmt.Sprint(r.Rev)}}})
		} else {
			_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(recordsTable), Item: item,
				ConditionExpression: aws.String("attribute_not_exists(pk)")})
			if err == nil {
				_, err = c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(recordsTable),
					Key: map[string]types.AttributeValue{dynamo.AttrRecordKey: &types.AttributeValueMemberS{Value: r.Key}}})
			}
		}
		if err != nil {
			// the key may hold an address: name the record by kind only
			return rep, fmt.Errorf("rewrite a %s record: %w", r.Kind, auth.HideHash(err, strings.TrimPrefix(r.Key, "email#")))
		}
	}

	// verify
	after, err := scanEvents(ctx, c, eventsTable)
	if err != nil {
		return rep, err
	}
	if len(after) != len(evs) {
		return rep, fmt.Errorf("%w: %d events after, %d before", ErrVerify, len(after), len(evs))
	}
	up := &events.Upcasters{}
	codec.Register(up)
	for _, e := range after {
		o, ok := orig[e.EventID]
		if !ok || o.StreamID != e.StreamID || o.Version != e.Version {
			return rep, fmt.Errorf("%w: event %s is not the one before", ErrVerify, e.EventID)
		}
		if err := verifyEvent(ctx, up, codec.Keys, o, e); err != nil {
			return rep, err
		}
		if len(identity.PersonalFields[e.Type]) > 0 {
			rep.Verified++
		}
	}
	recs, err = scanRecords(ctx, c, recordsTable)
	if err != nil {
		return rep, err
	}
	for _, r := range recs {
		if _, ch, _ := (&migrator{rep: &Report{}}).migrateRecord(r); ch {
			return rep, fmt.Errorf("%w: a %s record still holds an e-mail address", ErrVerify, r.Kind)
		}
	}
	fmt.Fprintf(log, "verified: %d personal events, %d records\n", rep.Verified, len(recs))
	return rep, nil
}

func scanEvents(ctx context.Context, c *dynamodb.Client, table string) ([]events.Envelope, error) {
	return scan(ctx, c, table, dynamo.UnmarshalItem)
}

func scanRecords(ctx context.Context, c *dynamodb.Client, table string) ([]events.Record, error) {
	return scan(ctx, c, table, dynamo.UnmarshalRecordItem)
}

// scan reads every item of table, strongly consistent, decoded with decode.
func scan[T any](ctx context.Context, c *dynamodb.Client, table string, decode func(map[string]types.AttributeValue) (T, error)) ([]T, error) {
	var out []T
	p := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("scan %s: %w", table, err)
		}
		for _, it := range page.Items {
			v, err := decode(it)
			if err != nil {
				return nil, fmt.Errorf("scan %s: %w", table, err)
			}
			out = append(out, v)
		}
	}
	return out, nil
}

func writeBackup(path string, lines []BackupLine) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, l := range lines {
		if err := enc.Encode(l); err != nil {
			f.Close()
			return fmt.Errorf("backup: %w", err)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("backup: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("backup: %w", err)
	}
	return f.Close()
}
