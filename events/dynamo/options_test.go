package dynamo_test

import "github.com/skyledger/skyledger/events/storetest"

// contractOptions: the full suite.
var contractOptions = storetest.Options{}
