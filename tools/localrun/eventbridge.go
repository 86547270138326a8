package localrun

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// PutEvent is one event a FakeEventBridge accepted (an entry of PutEvents).
type PutEvent struct {
	// EventBusName is the entry's bus, "default" when it names none.
	EventBusName string
	Source       string
	DetailType   string
	// Detail is the entry's detail JSON, as sent.
	Detail string
	// Resources are the entry's resources, if any.
	Resources []string
	// EventID is the ID the fake answered with (EventBridge's envelope id).
	EventID string
}

// Delivery returns the event a rule matching e delivers to its target:
// EventBridge's envelope (version "0", e's EventID as id, the time e was
// put, account AccountID) around e's source, detail-type, resources (an
// empty list when none) and detail.
func (e PutEvent) Delivery(region string, at time.Time) events.EventBridgeEvent {
	resources := e.Resources
	if resources == nil {
		resources = []string{}
	}
	return events.EventBridgeEvent{
		Version: "0", ID: e.EventID, DetailType: e.DetailType, Source: e.Source,
		AccountID: AccountID, Time: at.UTC().Truncate(time.Second), Region: region,
		Resources: resources, Detail: json.RawMessage(e.Detail),
	}
}

// FakeEventBridge is a recording stand-in for EventBridge at the SDK
// boundary: it speaks the JSON 1.1 protocol of the SDKs (X-Amz-Target:
// AWSEvents.PutEvents) and answers PutEvents as EventBridge does, one result
// entry per request entry, in order: an event ID for an entry it accepts, an
// ErrorCode for one it rejects (counted in FailedEntryCount). It checks what
// EventBridge checks per entry (Source, DetailType and Detail present; Detail
// a JSON object: "MalformedDetail" otherwise) and per call (1-10 entries:
// a ValidationException otherwise). Every other action gets an error.
// Nothing is routed: no rule, no target, no archive.
type FakeEventBridge struct {
	// Reject, when set, is asked about each entry that passed the checks; a
	// non-empty error code rejects it with that code ("InternalFailure",
	// "ThrottlingException"), as EventBridge does to a single entry.
	Reject func(PutEvent) (code string)
	// OnPut, when set, is called with each event accepted.
	OnPut func(PutEvent)

	mu  sync.Mutex
	put []PutEvent
}

// Events returns the events accepted so far, in order.
func (f *FakeEventBridge) Events() []PutEvent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]PutEvent(nil), f.put...)
}

type putEventsEntry struct {
	Source       string   `json:"Source"`
	DetailType   string   `json:"DetailType"`
	Detail       string   `json:"Detail"`
	EventBusName string   `json:"EventBusName"`
	Resources    []string `json:"Resources"`
}

// ServeHTTP answers one EventBridge JSON-protocol request.
func (f *FakeEventBridge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	action, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AWSEvents.")
	if !ok || r.Method != http.MethodPost {
		jsonError(w, "com.amazon.coral.service#UnknownOperationException", "the fake EventBridge speaks only the JSON 1.1 protocol (POST with X-Amz-Target)")
		return
	}
	if action != "PutEvents" {
		jsonError(w, "com.amazon.coral.service#UnknownOperationException", "the fake EventBridge answers only PutEvents, not "+action)
		return
	}
	var in struct{ Entries []putEventsEntry }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		jsonError(w, "ValidationException", err.Error())
		return
	}
	if len(in.Entries) == 0 || len(in.Entries) > 10 {
		jsonError(w, "ValidationException", "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10 and greater than or equal to 1")
		return
	}
	type result struct {
		EventID      string `json:"EventId,omitempty"`
		ErrorCode    string `json:"ErrorCode,omitempty"`
		ErrorMessage string `json:"ErrorMessage,omitempty"`
	}
	out := struct {
		Entries          []result
		FailedEntryCount int
	}{Entries: []result{}}
	for _, e := range in.Entries {
		ev := PutEvent{EventBusName: e.EventBusName, Source: e.Source, DetailType: e.DetailType, Detail: e.Detail, Resources: e.Resources}
		if ev.EventBusName == "" {
			ev.EventBusName = "default"
		}
		var code, msg string
		var detail map[string]json.RawMessage
		switch {
		case e.Source == "":
			code, msg = "InvalidArgument", "Parameter Source is not valid. Reason: Source is a required argument."
		case e.DetailType == "":
			code, msg = "InvalidArgument", "Parameter DetailType is not valid. Reason: DetailType is a required argument."
		case e.Detail == "":
			code, msg = "InvalidArgument", "Parameter Detail is not valid. Reason: Detail is a required argument."
		case json.Unmarshal([]byte(e.Detail), &detail) != nil || detail == nil:
			code, msg = "MalformedDetail", "Detail is malformed."
		case f.Reject != nil:
			if code = f.Reject(ev); code != "" {
				msg = "rejected by the fake's Reject"
			}
		}
		if code != "" {
			out.FailedEntryCount++
			out.Entries = append(out.Entries, result{ErrorCode: code, ErrorMessage: msg})
			continue
		}
		ev.EventID = newUUID()
		f.mu.Lock()
		f.put = append(f.put, ev)
		f.mu.Unlock()
		if f.OnPut != nil {
			f.OnPut(ev)
		}
		out.Entries = append(out.Entries, result{EventID: ev.EventID})
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(out)
}

// jsonError writes an error of the JSON 1.1 protocol (__type and message).
func jsonError(w http.ResponseWriter, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
}
