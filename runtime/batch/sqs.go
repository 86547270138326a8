package batch

import (
	"context"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// SQS processes an SQS batch with handle and returns the messages that
// failed by message ID, in batch order. A FIFO queue's batch (its
// eventSourceARN ends in ".fifo") keeps each message group's order: after a
// failure, the rest of that group is reported without being processed. The
// response's BatchItemFailures is never nil (JSON `[]`), so an empty list
// says "all succeeded" to the event source mapping.
func (p *Processor) SQS(ctx context.Context, ev events.SQSEvent, handle func(ctx context.Context, m events.SQSMessage) error) events.SQSEventResponse {
	mode := unordered
	if len(ev.Records) > 0 && IsFIFO(ev.Records[0].EventSourceARN) {
		mode = grouped // a batch comes from one queue
	}
	r := p.newRun(ctx, len(ev.Records), mode)
	if mode == grouped {
		r.groups = make([]string, len(ev.Records))
	}
	for i, m := range ev.Records {
		r.slots[i].id = m.MessageId
		if mode == grouped {
			r.groups[i] = m.Attributes["MessageGroupId"]
		}
	}
	process(r, ev.Records, handle)
	resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
	for _, id := range r.responseIDs() {
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: id})
	}
	return resp
}

// SQS processes ev with a zero Processor: see Processor.SQS.
func SQS(ctx context.Context, ev events.SQSEvent, handle func(ctx context.Context, m events.SQSMessage) error) events.SQSEventResponse {
	var p Processor
	return p.SQS(ctx, ev, handle)
}

// IsFIFO reports whether an SQS eventSourceARN names a FIFO queue: SQS
// requires a FIFO queue's name to end in ".fifo" (CreateQueue, QueueName).
func IsFIFO(eventSourceARN string) bool { return strings.HasSuffix(eventSourceARN, ".fifo") }
