#!/usr/bin/env bash
# Go tier of `make test`: vet, then every package's tests with -race, verbose
# into a log. Prints each package result, every top-level test result, the
# moto endpoints the DynamoDB suites ran against (evidence they ran, never
# skipped), the output of any failure, and a closing count.
set -uo pipefail
cd "$(dirname "$0")/.."
go vet ./... || exit 1
log=${TEST_GO_LOG:-$(mktemp -t skyledger-go-test-XXXX.log)}
go test -race -count=1 -timeout 25m -v ./... >"$log" 2>&1
rc=$?
grep -E '^(ok|FAIL|panic:)|^--- (PASS|FAIL|SKIP)|awstest: (moto server started|using)|contract suite against' "$log"
if [ $rc -ne 0 ]; then
  echo "== failures (full log: $log)"
  grep -n -B3 -A40 -E -- '--- FAIL|^panic:' "$log" | head -400
fi
pass=$(grep -cE -- '^\s*--- PASS' "$log")
fail=$(grep -cE -- '^\s*--- FAIL' "$log")
skip=$(grep -cE -- '^\s*--- SKIP' "$log")
echo "go test (with subtests): $pass passed, $fail failed, $skip skipped"
if [ "$skip" -gt 0 ]; then echo "skipped tests are defects:"; grep -E -- '--- SKIP' "$log"; rc=1; fi
exit $rc
