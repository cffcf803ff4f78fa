package events

import "time"

// Change is one committed event as a change feed delivers it: the embedded
// store's Tail, a DynamoDB Streams poller, or a Lambda DynamoDB stream
// event decoded at the edge (events/dynamo).
//
// Ordering contract: a feed delivers the changes of one stream in version
// order, and Seq increases along the feed (within a DynamoDB shard; the
// embedded feed has one). Delivery is at least once: after a restart or a
// retry a consumer may see a change again, so consumers are idempotent per
// (StreamID, Version).
type Change struct {
	Envelope
	// Seq is the change's position in its feed: the stream record's
	// sequence number (decimal digits, compared by length then value).
	Seq string
	// At is when the change was committed, as the feed reports it
	// (DynamoDB Streams: ApproximateCreationDateTime, whole seconds).
	At time.Time
}
