package main

import (
	"fmt"
	"net/mail"
	"strconv"
	"strings"
)

// OpsConfig is the operational part of a stage's configuration: where
// alarms go, edge protection, backups, custom domain. DefaultOps gives each
// stage's defaults; every field can be set by CDK context (opsFromContext).
type OpsConfig struct {
	// AlarmTopicArn is an existing SNS topic receiving the alarms (context
	// alarmTopicArn), instead of the stack's own topic. A prod synth needs it
	// or Config.AlarmEmail.
	AlarmTopicArn string
	// WAF attaches a web ACL to the CloudFront distribution (context waf):
	// AWS managed common rules plus a per-IP rate limit. The stack creates
	// the ACL (CLOUDFRONT scope: the stack must then be in us-east-1) unless
	// WAFWebACLArn names an existing one (context wafWebAclArn).
	WAF          bool
	WAFWebACLArn string
	// ReservedConcurrency applies spec.ReservedConcurrency (context
	// reservedConcurrency). Off in dev: new accounts often have a
	// concurrency quota too small to reserve anything.
	ReservedConcurrency bool
	// OriginSecret makes the HTTP API refuse requests that did not come
	// through CloudFront (context originSecret): CloudFront adds
	// OriginVerifyHeader with a generated secret, and the API's Lambda
	// authorizers require it (identity source) before any function runs.
	OriginSecret bool
	// Backup adds an AWS Backup plan for the system-of-record tables
	// (context backup); BackupCopyVaultArn (context backupCopyVaultArn)
	// copies each recovery point to a vault in another region.
	Backup             bool
	BackupCopyVaultArn string
	// DomainName and CertificateArn (an ACM certificate in us-east-1) serve
	// the distribution on a custom domain with TLSv1.2_2021 at least
	// (context domainName, certificateArn); both or neither.
	DomainName     string
	CertificateArn string
	// WSLogLevel is the WebSocket stage's execution logging level (ERROR or
	// INFO; context wsLogLevel).
	WSLogLevel string
	// LogsExpireDays is the lifetime of CloudFront access logs in their
	// bucket (context logsExpireDays).
	LogsExpireDays int
}

// DefaultOps are a stage's defaults: prod protects, dev stays cheap and
// deployable on a fresh account.
func DefaultOps(stage string) OpsConfig {
	if stage == StageProd {
		return OpsConfig{WAF: true, ReservedConcurrency: true, OriginSecret: true, Backup: true, WSLogLevel: "ERROR", LogsExpireDays: 90}
	}
	return OpsConfig{WSLogLevel: "INFO", LogsExpireDays: 14}
}

// opsFromContext applies context values over DefaultOps(stage).
func opsFromContext(ctx func(string) string, stage string) (OpsConfig, error) {
	o := DefaultOps(stage)
	boolean := func(key string, dst *bool) error {
		v := ctx(key)
		if v == "" {
			return nil
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("-c %s=%q: want true or false", key, v)
		}
		*dst = b
		return nil
	}
	for key, dst := range map[string]*bool{"waf": &o.WAF, "reservedConcurrency": &o.ReservedConcurrency,
		"originSecret": &o.OriginSecret, "backup": &o.Backup} {
		if err := boolean(key, dst); err != nil {
			return o, err
		}
	}
	o.AlarmTopicArn = ctx("alarmTopicArn")
	o.WAFWebACLArn = ctx("wafWebAclArn")
	o.BackupCopyVaultArn = ctx("backupCopyVaultArn")
	o.DomainName = ctx("domainName")
	o.CertificateArn = ctx("certificateArn")
	if v := ctx("wsLogLevel"); v != "" {
		o.WSLogLevel = strings.ToUpper(v)
	}
	if v := ctx("logsExpireDays"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return o, fmt.Errorf("-c logsExpireDays=%q: want a number of days", v)
		}
		o.LogsExpireDays = n
	}
	return o, nil
}

// validateOps checks the operational settings of c.
func validateOps(c Config) error {
	o := c.Ops
	if c.Stage == StageProd && c.AlarmEmail == "" && o.AlarmTopicArn == "" {
		return fmt.Errorf("prod needs an alarm destination: -c alarmEmail=ops@example.com or -c alarmTopicArn=arn:aws:sns:...")
	}
	if c.AlarmEmail != "" {
		if a, err := mail.ParseAddress(c.AlarmEmail); err != nil || a.Address != c.AlarmEmail {
			return fmt.Errorf("alarmEmail %q: not an e-mail address", c.AlarmEmail)
		}
	}
	if o.AlarmTopicArn != "" && !(strings.HasPrefix(o.AlarmTopicArn, "arn:") && strings.Contains(o.AlarmTopicArn, ":sns:")) {
		return fmt.Errorf("alarmTopicArn %q: want an SNS topic ARN", o.AlarmTopicArn)
	}
	if o.WAFWebACLArn != "" && !strings.Contains(o.WAFWebACLArn, ":wafv2:") {
		return fmt.Errorf("wafWebAclArn %q: want a WAFv2 web ACL ARN (CLOUDFRONT scope, us-east-1)", o.WAFWebACLArn)
	}
	if o.WAF && o.WAFWebACLArn == "" && c.Env != nil && c.Env.Region != nil && *c.Env.Region != "us-east-1" {
		return fmt.Errorf("waf: a CloudFront web ACL lives in us-east-1, the stack deploys to %s: pass -c wafWebAclArn=... or -c waf=false", *c.Env.Region)
	}
	if (o.DomainName == "") != (o.CertificateArn == "") {
		return fmt.Errorf("domainName and certificateArn go together (the certificate must cover the domain, in us-east-1)")
	}
	if o.CertificateArn != "" && !strings.Contains(o.CertificateArn, ":acm:us-east-1:") {
		return fmt.Errorf("certificateArn %q: CloudFront needs an ACM certificate in us-east-1", o.CertificateArn)
	}
	if o.BackupCopyVaultArn != "" && (!o.Backup || !strings.Contains(o.BackupCopyVaultArn, ":backup:")) {
		return fmt.Errorf("backupCopyVaultArn %q: needs backup=true and a Backup vault ARN", o.BackupCopyVaultArn)
	}
	if o.OriginSecret && len(c.WebOrigins) > 0 {
		return fmt.Errorf("webOrigins %v call the HTTP API directly, which originSecret refuses: drop them or pass -c originSecret=false", c.WebOrigins)
	}
	if o.WSLogLevel != "ERROR" && o.WSLogLevel != "INFO" {
		return fmt.Errorf("wsLogLevel %q: want ERROR or INFO", o.WSLogLevel)
	}
	if o.LogsExpireDays < 1 {
		return fmt.Errorf("logsExpireDays %d: must be at least 1", o.LogsExpireDays)
	}
	return nil
}
