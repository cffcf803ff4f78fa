"""Runs checkov on synthesized CloudFormation templates and fails on any
finding not in the allow-list, and on allow-list entries that no longer
match a finding (so the list stays the exact set of accepted findings).

usage: checkov-gate.py ALLOWLIST STAGE=TEMPLATE [STAGE=TEMPLATE ...]
"""
import fnmatch
import json
import os
import subprocess
import sys


def load_allowlist(path):
    entries = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 2)
            if len(parts) < 3:
                sys.exit(f"{path}:{n}: want CHECK_ID [STAGE:]RESOURCE_GLOB reason")
            check, res, reason = parts
            stage = None
            if ":" in res.split("::")[0] and not res.startswith("AWS::"):
                stage, res = res.split(":", 1)
            entries.append({"line": n, "check": check, "stage": stage, "glob": res, "reason": reason, "used": 0})
    return entries


def main():
    allow_path, *pairs = sys.argv[1:]
    if not pairs:
        sys.exit(__doc__)
    allow = load_allowlist(allow_path)
    checkov = os.path.join(os.path.dirname(sys.executable), "checkov")
    failures, passed, total_failed = [], 0, 0
    for pair in pairs:
        stage, template = pair.split("=", 1)
        out = subprocess.run([checkov, "-f", template, "--framework", "cloudformation", "--compact", "-o", "json"],
                             capture_output=True, text=True)
        if out.returncode not in (0, 1):
            sys.exit(f"checkov failed on {template}: {out.stderr.strip()}")
        report = json.loads(out.stdout or "{}")
        reports = report if isinstance(report, list) else [report]
        for r in reports:
            results = r.get("results", {})
            passed += len(results.get("passed_checks", []))
            for c in results.get("failed_checks", []):
                total_failed += 1
                hit = [e for e in allow if e["check"] == c["check_id"] and e["stage"] in (None, stage)
                       and fnmatch.fnmatchcase(c["resource"], e["glob"])]
                for e in hit:
                    e["used"] += 1
                if not hit:
                    failures.append(f"{stage}: {c['check_id']} {c['resource']}: {c['check_name']}")
    stale = [f"{allow_path}:{e['line']}: {e['check']} {e['glob']} matches no finding (remove it)" for e in allow if not e["used"]]
    print(f"checkov: {passed} passed, {total_failed} failed ({total_failed - len(failures)} allow-listed, {len(failures)} new)")
    for f in failures:
        print("  NEW  " + f)
    for s in stale:
        print("  STALE " + s)
    if failures or stale:
        sys.exit(1)


if __name__ == "__main__":
    main()
