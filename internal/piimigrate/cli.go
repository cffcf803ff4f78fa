package piimigrate

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/skyledger/skyledger/events/dynamo"
	"github.com/skyledger/skyledger/infra/spec"
	"github.com/skyledger/skyledger/internal/envflag"
	"github.com/skyledger/skyledger/internal/pii"
	"github.com/skyledger/skyledger/internal/wire"
)

// Main is `skyledger migrate pii`: the embedded data directory (default)
// or, with -table-prefix (or -stage), the DynamoDB tables at
// AWS_ENDPOINT_URL or in AWS. newDynamo is called only for DynamoDB.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, newDynamo func(context.Context) (*dynamodb.Client, error)) error {
	if len(args) == 0 || args[0] != "pii" {
		return errors.New("usage: skyledger migrate pii -backup PATH [-data-dir DIR | -table-prefix PREFIX | -stage STAGE] [-pii-key-file FILE]")
	}
	fs := flag.NewFlagSet("migrate pii", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", envflag.Default("SKYLEDGER_DATA_DIR", ".data"), "the stopped runtime's data directory (embedded)")
	prefix := fs.String("table-prefix", "", "DynamoDB table prefix (DynamoDB instead of the data directory)")
	stage := fs.String("stage", "", "deployed stage whose tables to migrate (DynamoDB)")
	backup := fs.String("backup", "", "new backup location, outside the data directory: a directory (embedded) or a JSON-lines file (DynamoDB); required")
	keyFile := fs.String("pii-key-file", "", "personal-data master key (default: <data-dir>/pii-key; DynamoDB: $"+pii.EnvMasterKey+")")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *backup == "" {
		return errors.New("-backup is required: the migration rewrites data in place and keeps the original there")
	}
	if *stage != "" {
		if *prefix != "" {
			return errors.New("name -table-prefix or -stage, not both")
		}
		*prefix = spec.StagePrefix(*stage)
	}
	mk, err := pii.ReadMasterKey(*keyFile, *dataDir, *prefix != "")
	if err != nil {
		return err
	}
	m, err := pii.NewMaster(mk)
	if err != nil {
		return err
	}
	var rep Report
	if *prefix != "" {
		c, err := newDynamo(ctx)
		if err != nil {
			return err
		}
		evT, recT := spec.TableName(*prefix, spec.Events), spec.TableName(*prefix, spec.Records)
		codec := &pii.Codec{Keys: &pii.RecordKeys{Records: dynamo.New(c, evT, recT)}, Master: m}
		rep, err = Dynamo(ctx, c, evT, recT, *backup, codec, stdout)
		if err != nil {
			return err
		}
	} else {
		keys, err := pii.NewFileKeys(wire.LocalKeysDir(*dataDir))
		if err != nil {
			return err
		}
		rep, err = Embedded(ctx, filepath.Join(*dataDir, "events"), keys.Dir, *backup, &pii.Codec{Keys: keys, Master: m}, stdout)
		if err != nil {
			return err
		}
	}
	fmt.Fprintln(stdout, rep.String())
	fmt.Fprintf(stdout, "the backup %s holds the plaintext personal data: delete it once you have checked the system\n", rep.BackupLocation)
	return nil
}
