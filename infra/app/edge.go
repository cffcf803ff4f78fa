package main

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/jsii-runtime-go"

	"github.com/skyledger/skyledger/infra/spec"
)

// WAFRateLimit is the web ACL's per-IP limit: requests per 5 minutes (WAF's
// evaluation window) before an address is blocked.
const WAFRateLimit = 2000

// spaRouting rewrites extension-less paths to /index.html so deep links load
// the single-page app. It runs on the S3 behaviour only, so the API's own
// 403/404 answers under /api/* reach the client unchanged (a distribution-wide
// 403/404 -> /index.html error response would turn them into 200 HTML).
const spaRouting = `function handler(event) {
  var req = event.request;
  var last = req.uri.substring(req.uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') === -1) { req.uri = '/index.html'; }
  return req;
}`

// PlaceholderPage is deployed when web/dist does not exist yet.
const PlaceholderPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>SkyLedger</title></head>` +
	`<body><h1>SkyLedger</h1><p>The web frontend has not been built yet: run <code>make web-build</code> and deploy again. The API is live under <code>/api</code>.</p></body></html>`

// web is the CloudFront distribution: the console from S3 (OAC) and the HTTP
// API under /api/*, with access logs, security headers (a CSP for the
// console), an optional WAF web ACL, an optional custom domain, and the
// origin secret the API's authorizers require.
func (s *Stack) web(c Config, prod bool) {
	st := s.Stack
	bp := &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	}
	if !prod {
		bp.RemovalPolicy = awscdk.RemovalPolicy_DESTROY
		bp.AutoDeleteObjects = jsii.Bool(true)
	}
	s.WebBucket = awss3.NewBucket(st, jsii.String("WebBucket"), bp)

	// CloudFront standard logs need ACLs on the bucket (the log delivery
	// account writes with an ACL); they expire after LogsExpireDays.
	lp := &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_PREFERRED,
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("expire-access-logs"),
			Expiration:                          awscdk.Duration_Days(jsii.Number(float64(c.Ops.LogsExpireDays))),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
		}},
	}
	if !prod {
		lp.RemovalPolicy = awscdk.RemovalPolicy_DESTROY
		lp.AutoDeleteObjects = jsii.Bool(true)
	}
	s.LogsBucket = awss3.NewBucket(st, jsii.String("AccessLogs"), lp)

	spa := awscloudfront.NewFunction(st, jsii.String("SpaRouting"), &awscloudfront.FunctionProps{
		Code:    awscloudfront.FunctionCode_FromInline(jsii.String(spaRouting)),
		Runtime: awscloudfront.FunctionRuntime_JS_2_0(),
		Comment: jsii.String("SPA routing: extension-less paths -> /index.html"),
	})
	hsts := &awscloudfront.ResponseHeadersStrictTransportSecurity{
		AccessControlMaxAge: awscdk.Duration_Days(jsii.Number(365)), IncludeSubdomains: jsii.Bool(true), Override: jsii.Bool(true),
	}
	security := func(csp *string) *awscloudfront.ResponseSecurityHeadersBehavior {
		return &awscloudfront.ResponseSecurityHeadersBehavior{
			ContentSecurityPolicy:   &awscloudfront.ResponseHeadersContentSecurityPolicy{ContentSecurityPolicy: csp, Override: jsii.Bool(true)},
			ContentTypeOptions:      &awscloudfront.ResponseHeadersContentTypeOptions{Override: jsii.Bool(true)},
			FrameOptions:            &awscloudfront.ResponseHeadersFrameOptions{FrameOption: awscloudfront.HeadersFrameOption_DENY, Override: jsii.Bool(true)},
			ReferrerPolicy:          &awscloudfront.ResponseHeadersReferrerPolicy{ReferrerPolicy: awscloudfront.HeadersReferrerPolicy_STRICT_ORIGIN_WHEN_CROSS_ORIGIN, Override: jsii.Bool(true)},
			StrictTransportSecurity: hsts,
		}
	}
	// The console connects to the WebSocket API's own domain (the ticket
	// names it), so the CSP names that origin.
	wsOrigin := awscdk.Fn_Join(jsii.String(""), &[]*string{
		jsii.String("wss://"), s.WSAPI.ApiId(), jsii.String(".execute-api."), st.Region(), jsii.String("."), st.UrlSuffix()})
	s.ConsoleHeaders = awscloudfront.NewResponseHeadersPolicy(st, jsii.String("ConsoleHeaders"), &awscloudfront.ResponseHeadersPolicyProps{
		Comment:                 jsii.String("SkyLedger " + c.Stage + " console: CSP and security headers"),
		SecurityHeadersBehavior: security(jsii.String(strings.Replace(spec.ConsoleCSP("WSORIGIN"), "WSORIGIN", *wsOrigin, 1))),
	})
	s.APIHeaders = awscloudfront.NewResponseHeadersPolicy(st, jsii.String("ApiHeaders"), &awscloudfront.ResponseHeadersPolicyProps{
		Comment:                 jsii.String("SkyLedger " + c.Stage + " API: security headers"),
		SecurityHeadersBehavior: security(jsii.String(spec.APICSP)),
	})

	apiDomain := awscdk.Fn_Select(jsii.Number(2), awscdk.Fn_Split(jsii.String("/"), s.HTTPAPI.ApiEndpoint(), nil))
	originProps := &awscloudfrontorigins.HttpOriginProps{ProtocolPolicy: awscloudfront.OriginProtocolPolicy_HTTPS_ONLY}
	if s.OriginSecret != nil {
		// A dynamic reference: CloudFormation resolves it, the template
		// never holds the value.
		originProps.CustomHeaders = &map[string]*string{spec.OriginVerifyHeader: s.OriginSecret.SecretValue().UnsafeUnwrap()}
	}
	dp := &awscloudfront.DistributionProps{
		Comment:           jsii.String("SkyLedger " + c.Stage + " web"),
		DefaultRootObject: jsii.String("index.html"),
		PriceClass:        awscloudfront.PriceClass_PRICE_CLASS_100,
		HttpVersion:       awscloudfront.HttpVersion_HTTP2_AND_3,
		EnableLogging:     jsii.Bool(true),
		LogBucket:         s.LogsBucket,
		LogFilePrefix:     jsii.String("cloudfront/"),
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin:                awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(s.WebBucket, nil),
			ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			CachePolicy:           awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
			ResponseHeadersPolicy: s.ConsoleHeaders,
			FunctionAssociations: &[]*awscloudfront.FunctionAssociation{{
				EventType: awscloudfront.FunctionEventType_VIEWER_REQUEST, Function: spa,
			}},
		},
		AdditionalBehaviors: &map[string]*awscloudfront.BehaviorOptions{
			// Same-origin API for the web app (it calls relative /api paths).
			"/api/*": {
				Origin:                awscloudfrontorigins.NewHttpOrigin(apiDomain, originProps),
				ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_HTTPS_ONLY,
				AllowedMethods:        awscloudfront.AllowedMethods_ALLOW_ALL(),
				CachePolicy:           awscloudfront.CachePolicy_CACHING_DISABLED(),
				OriginRequestPolicy:   awscloudfront.OriginRequestPolicy_ALL_VIEWER_EXCEPT_HOST_HEADER(),
				ResponseHeadersPolicy: s.APIHeaders,
			},
		},
	}
	if c.Ops.DomainName != "" {
		dp.DomainNames = jsii.Strings(c.Ops.DomainName)
		dp.Certificate = awscertificatemanager.Certificate_FromCertificateArn(st, jsii.String("Certificate"), jsii.String(c.Ops.CertificateArn))
		dp.MinimumProtocolVersion = awscloudfront.SecurityPolicyProtocol_TLS_V1_2_2021
	}
	if c.Ops.WAF {
		if c.Ops.WAFWebACLArn != "" {
			dp.WebAclId = jsii.String(c.Ops.WAFWebACLArn)
		} else {
			s.WebACL = webACL(st, c.Stage)
			dp.WebAclId = s.WebACL.AttrArn()
		}
	}
	s.Distribution = awscloudfront.NewDistribution(st, jsii.String("Web"), dp)

	var source awss3deployment.ISource
	if hasBuiltWeb(c.WebDir) {
		source = awss3deployment.Source_Asset(jsii.String(c.WebDir), nil)
	} else {
		source = awss3deployment.Source_Data(jsii.String("index.html"), jsii.String(PlaceholderPage), nil)
	}
	awss3deployment.NewBucketDeployment(st, jsii.String("WebDeployment"), &awss3deployment.BucketDeploymentProps{
		DestinationBucket: s.WebBucket,
		Sources:           &[]awss3deployment.ISource{source},
		Distribution:      s.Distribution,
		DistributionPaths: jsii.Strings("/*"),
		Prune:             jsii.Bool(true),
	})
}

// webACL is the CloudFront web ACL: AWS's common rule set and known bad
// inputs, then a per-IP rate limit. Each rule reports CloudWatch metrics and
// sampled requests.
func webACL(st awscdk.Stack, stage string) awswafv2.CfnWebACL {
	vis := func(name string) *awswafv2.CfnWebACL_VisibilityConfigProperty {
		return &awswafv2.CfnWebACL_VisibilityConfigProperty{
			CloudWatchMetricsEnabled: jsii.Bool(true), SampledRequestsEnabled: jsii.Bool(true),
			MetricName: jsii.String("skyledger-" + stage + "-" + name),
		}
	}
	managed := func(name string, prio float64) *awswafv2.CfnWebACL_RuleProperty {
		return &awswafv2.CfnWebACL_RuleProperty{
			Name: jsii.String(name), Priority: jsii.Number(prio),
			OverrideAction: &awswafv2.CfnWebACL_OverrideActionProperty{None: map[string]any{}},
			Statement: &awswafv2.CfnWebACL_StatementProperty{ManagedRuleGroupStatement: &awswafv2.CfnWebACL_ManagedRuleGroupStatementProperty{
				VendorName: jsii.String("AWS"), Name: jsii.String(name)}},
			VisibilityConfig: vis(name),
		}
	}
	return awswafv2.NewCfnWebACL(st, jsii.String("WebAcl"), &awswafv2.CfnWebACLProps{
		Name:             jsii.String("skyledger-" + stage),
		Scope:            jsii.String("CLOUDFRONT"),
		DefaultAction:    &awswafv2.CfnWebACL_DefaultActionProperty{Allow: map[string]any{}},
		VisibilityConfig: vis("acl"),
		Rules: &[]any{
			managed("AWSManagedRulesCommonRuleSet", 0),
			managed("AWSManagedRulesKnownBadInputsRuleSet", 1),
			&awswafv2.CfnWebACL_RuleProperty{
				Name: jsii.String("rate-per-ip"), Priority: jsii.Number(2),
				Action: &awswafv2.CfnWebACL_RuleActionProperty{Block: map[string]any{}},
				Statement: &awswafv2.CfnWebACL_StatementProperty{RateBasedStatement: &awswafv2.CfnWebACL_RateBasedStatementProperty{
					Limit: jsii.Number(WAFRateLimit), AggregateKeyType: jsii.String("IP")}},
				VisibilityConfig: vis("rate-per-ip"),
			},
		},
	})
}

// hasBuiltWeb reports whether dir holds a built frontend (an index.html).
func hasBuiltWeb(dir string) bool {
	if dir == "" {
		return false
	}
	fi, err := os.Stat(filepath.Join(dir, "index.html"))
	return err == nil && fi.Mode().IsRegular()
}
