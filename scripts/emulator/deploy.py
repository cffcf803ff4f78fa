"""Deploys SkyLedger into an AWS emulator and adapts it (scripts/test-integration.sh).

    deploy.py cloudformation ENDPOINT CDK_OUT_DIR STACK_NAME
        The fallback to `cdklocal deploy` (DEPLOY=cloudformation): publishes
        the file assets named in <stack>.assets.json (the function zips and
        the template) to the emulator's S3 at the bucket and key CDK's
        default synthesizer names, sets the SSM parameter `cdk bootstrap`
        would (the template's bootstrap version rule reads it), then
        CreateStack with TemplateURL (the template is over the 51,200-byte
        TemplateBody limit) and waits for CREATE_COMPLETE.
    deploy.py adapt ENDPOINT STACK_NAME OUTPUTS_JSON
        Applies each adaptation of docs/emulator.md (WebSocket
        authorizer: IdentitySource=[] and TTL 0 through UpdateAuthorizer),
        then writes the stack outputs, the authorizer as deployed, the
        functions' environments and the bootstrap token (read from Secrets
        Manager like an operator would) to OUTPUTS_JSON (mode 0600).

Runs with the project venv's Python (boto3 comes with moto).
"""

import json
import os
import sys
import time
import zipfile
import io

import boto3
from botocore.config import Config


def client(name, endpoint):
    return boto3.client(
        name, endpoint_url=endpoint, region_name=os.environ.get("AWS_REGION", "us-east-1"),
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "test"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "test"),
        config=Config(retries={"max_attempts": 2}, s3={"addressing_style": "path"}))


def subst(s, account, region):
    return (s.replace("${AWS::AccountId}", account).replace("${AWS::Region}", region)
             .replace("${AWS::Partition}", "aws"))


def zip_dir(path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for root, _, files in os.walk(path):
            for f in sorted(files):
                full = os.path.join(root, f)
                z.write(full, os.path.relpath(full, path))
    return buf.getvalue()


def publish_assets(endpoint, outdir, stack, account, region):
    s3 = client("s3", endpoint)
    manifest = json.load(open(os.path.join(outdir, stack + ".assets.json")))
    made = set()
    template_url = None
    for h, asset in manifest.get("files", {}).items():
        src = os.path.join(outdir, asset["source"]["path"])
        data = zip_dir(src) if asset["source"].get("packaging") == "zip" else open(src, "rb").read()
        for dest in asset["destinations"].values():
            bucket = subst(dest["bucketName"], account, region)
            key = subst(dest["objectKey"], account, region)
            if bucket not in made:
                try:
                    s3.create_bucket(Bucket=bucket)
                except s3.exceptions.BucketAlreadyOwnedByYou:
                    pass
                made.add(bucket)
            s3.put_object(Bucket=bucket, Key=key, Body=data)
            if asset["source"]["path"] == stack + ".template.json":
                template_url = f"{endpoint}/{bucket}/{key}"
    if manifest.get("dockerImages"):
        raise SystemExit("deploy: docker image assets are not supported")
    if template_url is None:
        raise SystemExit("deploy: the template is not among the file assets")
    return template_url


def create_stack(endpoint, stack, template_url, timeout_s=300):
    cfn = client("cloudformation", endpoint)
    cfn.create_stack(StackName=stack, TemplateURL=template_url,
                     Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
                     OnFailure="DO_NOTHING")
    start = time.monotonic()
    while True:
        st = cfn.describe_stacks(StackName=stack)["Stacks"][0]
        status = st["StackStatus"]
        if status == "CREATE_COMPLETE":
            print(f"deploy: {stack} CREATE_COMPLETE in {time.monotonic() - start:.1f}s")
            return {o["OutputKey"]: o["OutputValue"] for o in st.get("Outputs", [])}
        if status.endswith("FAILED") or "ROLLBACK" in status:
            events = cfn.describe_stack_events(StackName=stack)["StackEvents"]
            for e in events[:30]:
                if "FAILED" in e.get("ResourceStatus", ""):
                    print("  ", e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason", ""))
            raise SystemExit(f"deploy: {stack} {status}")
        if time.monotonic() - start > timeout_s:
            raise SystemExit(f"deploy: {stack} still {status} after {timeout_s}s")
        time.sleep(0.5)


def adapt_ws_authorizer(endpoint, ws_api_id):
    """Adaptation 1 (docs/emulator.md): the template leaves the
    WebSocket REQUEST authorizer without IdentitySource, so AWS runs it on
    every $connect; MiniStack then defaults it to
    $request.header.Authorization with a 300 s cache, which refuses a
    ?ticket= handshake without calling the function and would cache one
    connection's answer for another. Set what AWS does: no identity
    source, no cache."""
    api = client("apigatewayv2", endpoint)
    auths = api.get_authorizers(ApiId=ws_api_id)["Items"]
    if len(auths) != 1:
        raise SystemExit(f"deploy: want one WebSocket authorizer, got {len(auths)}")
    a = auths[0]
    before = {"IdentitySource": a.get("IdentitySource"), "AuthorizerResultTtlInSeconds": a.get("AuthorizerResultTtlInSeconds")}
    api.update_authorizer(ApiId=ws_api_id, AuthorizerId=a["AuthorizerId"], IdentitySource=[],
                          AuthorizerResultTtlInSeconds=0)
    after = api.get_authorizer(ApiId=ws_api_id, AuthorizerId=a["AuthorizerId"])
    print(f"deploy: WebSocket authorizer {a['AuthorizerId']}: {before} -> "
          f"IdentitySource={after.get('IdentitySource')} TTL={after.get('AuthorizerResultTtlInSeconds')}")
    return before


def function_environments(endpoint, stack):
    """The deployed functions' environments (by spec name, from their
    description "SkyLedger <stage> <name>"), for cmd/coldstart."""
    lam = client("lambda", endpoint)
    out = {}
    for page in lam.get_paginator("list_functions").paginate():
        for f in page["Functions"]:
            desc = f.get("Description", "")
            if not desc.startswith("SkyLedger "):
                continue
            name = desc.split(" ")[-1]
            out[name] = {"FunctionName": f["FunctionName"], "MemorySize": f.get("MemorySize"),
                         "Environment": f.get("Environment", {}).get("Variables", {})}
    return out


def stack_outputs(endpoint, stack):
    st = client("cloudformation", endpoint).describe_stacks(StackName=stack)["Stacks"][0]
    if st["StackStatus"] not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
        raise SystemExit(f"deploy: {stack} is {st['StackStatus']}")
    return {o["OutputKey"]: o["OutputValue"] for o in st.get("Outputs", [])}


def cloudformation(endpoint, outdir, stack):
    region = os.environ.get("AWS_REGION", "us-east-1")
    account = client("sts", endpoint).get_caller_identity()["Account"]
    url = publish_assets(endpoint, outdir, stack, account, region)
    client("ssm", endpoint).put_parameter(Name="/cdk-bootstrap/hnb659fds/version", Value="30", Type="String", Overwrite=True)
    create_stack(endpoint, stack, url)


def adapt(endpoint, stack, out_json):
    outputs = stack_outputs(endpoint, stack)
    outputs["AuthorizerBeforeAdaptation"] = adapt_ws_authorizer(endpoint, outputs["WebSocketApiId"])
    outputs["Functions"] = function_environments(endpoint, stack)
    sm = client("secretsmanager", endpoint)
    outputs["BootstrapToken"] = sm.get_secret_value(SecretId=outputs["BootstrapSecretArn"])["SecretString"]
    outputs["Endpoint"] = endpoint
    with open(out_json, "w") as f:
        json.dump(outputs, f, indent=1, sort_keys=True)
    os.chmod(out_json, 0o600)
    print(f"deploy: outputs in {out_json}")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "cloudformation" and len(args) == 3:
        cloudformation(*args)
    elif cmd == "adapt" and len(args) == 3:
        adapt(*args)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
