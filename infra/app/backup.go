package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsbackup"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/jsii-runtime-go"

	"github.com/skyledger/skyledger/infra/spec"
)

// BackupRetentionDays is how long a daily recovery point is kept (PITR
// covers the last 35 days to the second as well; the backups survive a
// deleted table and can be copied to another region).
const BackupRetentionDays = 35

// backup is the AWS Backup plan of the system of record (Events, and the
// Records table beside it: API key hashes, sessions, idempotency): one
// recovery point a day at 03:00 UTC kept BackupRetentionDays, optionally
// copied to a vault in another region.
func (s *Stack) backup(c Config) {
	st := s.Stack
	s.BackupVault = awsbackup.NewBackupVault(st, jsii.String("BackupVault"), &awsbackup.BackupVaultProps{
		BackupVaultName: jsii.String(spec.StagePrefix(c.Stage) + "vault"),
		RemovalPolicy:   awscdk.RemovalPolicy_RETAIN,
	})
	rule := &awsbackup.BackupPlanRuleProps{
		RuleName:    jsii.String("daily"),
		BackupVault: s.BackupVault,
		ScheduleExpression: awsevents.Schedule_Cron(&awsevents.CronOptions{
			Hour: jsii.String("3"), Minute: jsii.String("0")}),
		DeleteAfter:      awscdk.Duration_Days(jsii.Number(BackupRetentionDays)),
		StartWindow:      awscdk.Duration_Hours(jsii.Number(1)),
		CompletionWindow: awscdk.Duration_Hours(jsii.Number(4)),
	}
	if c.Ops.BackupCopyVaultArn != "" {
		rule.CopyActions = &[]*awsbackup.BackupPlanCopyActionProps{{
			DestinationBackupVault: awsbackup.BackupVault_FromBackupVaultArn(st, jsii.String("BackupCopyVault"), jsii.String(c.Ops.BackupCopyVaultArn)),
			DeleteAfter:            awscdk.Duration_Days(jsii.Number(BackupRetentionDays)),
		}}
	}
	s.BackupPlan = awsbackup.NewBackupPlan(st, jsii.String("BackupPlan"), &awsbackup.BackupPlanProps{
		BackupPlanName:  jsii.String(spec.StagePrefix(c.Stage) + "system-of-record"),
		BackupPlanRules: &[]awsbackup.BackupPlanRule{awsbackup.NewBackupPlanRule(rule)},
	})
	s.BackupPlan.AddSelection(jsii.String("SystemOfRecord"), &awsbackup.BackupSelectionOptions{
		Resources: &[]awsbackup.BackupResource{
			awsbackup.BackupResource_FromDynamoDbTable(s.table(spec.Events.Name)),
			awsbackup.BackupResource_FromDynamoDbTable(s.table(spec.Records.Name)),
		},
		AllowRestores: jsii.Bool(true),
	})
}
