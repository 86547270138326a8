package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// notice is one S3 object event, whichever way it was delivered.
type notice struct {
	// Kind is the event's type: an S3 notification's eventName
	// ("ObjectCreated:Put") or an EventBridge detail-type ("Object Created").
	Kind string
	// Created is true for an object-created event.
	Created bool
	// Bucket is the bucket's name.
	Bucket string
	// Key is the object key, URL-decoded; RawKey when that fails.
	Key string
	// RawKey is the object key as the event gives it.
	RawKey string
	// KeyNotEncoded is true when RawKey does not URL-decode (a '%' not
	// followed by two hex digits), so Key is RawKey: S3 encodes every '%'
	// as "%25", so such a key cannot have been encoded.
	KeyNotEncoded bool
	// KeyEncodingUncertain is true for EventBridge events, whose key encoding
	// AWS does not document: when Key is not found, RawKey is tried.
	KeyEncodingUncertain bool
	// Size is the object's size in bytes as the event gives it; 0 when absent.
	Size int64
	// ETag, VersionID and Sequencer are as the event gives them ("" when absent).
	ETag, VersionID, Sequencer string
	// Err says why this record of an S3 notification could not be read; the
	// other fields are then empty. Other records of the event are unaffected.
	Err error
}

// eventBridgeDetailType is the detail-type of EventBridge's object-created event.
const eventBridgeDetailType = "Object Created"

// objectCreatedDetail is the detail of an EventBridge "Object Created" event
// from source "aws.s3" (S3 user guide, "EventBridge event message structure").
type objectCreatedDetail struct {
	Version string `json:"version"`
	Bucket  struct {
		Name string `json:"name"`
	} `json:"bucket"`
	Object struct {
		Key       string `json:"key"`
		Size      int64  `json:"size"`
		ETag      string `json:"etag"`
		VersionID string `json:"version-id"`
		Sequencer string `json:"sequencer"`
	} `json:"object"`
	RequestID       string `json:"request-id"`
	Requester       string `json:"requester"`
	SourceIPAddress string `json:"source-ip-address"`
	Reason          string `json:"reason"`
}

// errUnknownEvent: the JSON is neither an S3 notification nor an EventBridge
// event from aws.s3.
var errUnknownEvent = errors.New("neither an S3 notification (Records) nor an EventBridge event from aws.s3")

// decodeEvent reads the invocation's JSON, which is either an S3 event
// notification (told by its "Records") or an EventBridge event from source
// "aws.s3", and returns one notice per object. It fails only when the JSON
// is not one of these shapes; each record of a notification is decoded on
// its own, so one bad record costs only itself (its notice's Err).
//
// Keys are URL-decoded with url.QueryUnescape ('+' is a space) in both
// shapes. S3 documents this form encoding for notifications; the EventBridge
// page does not say, but AWS's own Powertools for Lambda decodes the
// EventBridge detail.object.key the same way (unquote_plus), so both are
// treated alike (see decodeKey for a key that does not decode, and
// notice.KeyEncodingUncertain).
func decodeEvent(raw []byte) ([]notice, error) {
	var probe struct {
		Records    json.RawMessage `json:"Records"`
		Source     string          `json:"source"`
		DetailType string          `json:"detail-type"`
		Event      string          `json:"Event"` // "s3:TestEvent" when a notification is configured
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, fmt.Errorf("decode event: %w", err)
	}
	switch {
	case probe.Event == "s3:TestEvent":
		return []notice{{Kind: probe.Event}}, nil
	case probe.Records != nil:
		return decodeS3Event(raw)
	case probe.Source == "aws.s3":
		return decodeEventBridge(raw)
	}
	return nil, errUnknownEvent
}

// s3Record is the part of an S3 event notification record
// (events.S3EventRecord) the importer reads. It is not events.S3EventRecord:
// that type's S3Object.UnmarshalJSON fails on a key that does not URL-decode,
// and with it the whole events.S3Event.
type s3Record struct {
	EventName string `json:"eventName"`
	S3        struct {
		Bucket struct {
			Name string `json:"name"`
		} `json:"bucket"`
		Object struct {
			Key       string `json:"key"`
			Size      int64  `json:"size"`
			ETag      string `json:"eTag"`
			VersionID string `json:"versionId"`
			Sequencer string `json:"sequencer"`
		} `json:"object"`
	} `json:"s3"`
}

func decodeS3Event(raw []byte) ([]notice, error) {
	var ev struct {
		Records []json.RawMessage `json:"Records"`
	}
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, fmt.Errorf("decode S3 notification: %w", err)
	}
	ns := make([]notice, 0, len(ev.Records))
	for i, rec := range ev.Records {
		var r s3Record
		if err := json.Unmarshal(rec, &r); err != nil {
			ns = append(ns, notice{Err: fmt.Errorf("decode S3 notification record %d: %w", i, err)})
			continue
		}
		o := r.S3.Object
		key, ok := decodeKey(o.Key)
		ns = append(ns, notice{
			Kind:          r.EventName,
			Created:       strings.HasPrefix(r.EventName, "ObjectCreated:"),
			Bucket:        r.S3.Bucket.Name,
			Key:           key,
			RawKey:        o.Key,
			KeyNotEncoded: !ok,
			Size:          o.Size,
			ETag:          o.ETag,
			VersionID:     o.VersionID,
			Sequencer:     o.Sequencer,
		})
	}
	return ns, nil
}

func decodeEventBridge(raw []byte) ([]notice, error) {
	var ev events.EventBridgeEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, fmt.Errorf("decode EventBridge event: %w", err)
	}
	n := notice{Kind: ev.DetailType, Created: ev.DetailType == eventBridgeDetailType}
	if !n.Created {
		return []notice{n}, nil // other S3 events carry other details; nothing to read
	}
	var d objectCreatedDetail
	if err := json.Unmarshal(ev.Detail, &d); err != nil {
		return nil, fmt.Errorf("decode EventBridge %q detail: %w", ev.DetailType, err)
	}
	key, ok := decodeKey(d.Object.Key)
	n.Bucket, n.Key, n.RawKey, n.Size = d.Bucket.Name, key, d.Object.Key, d.Object.Size
	n.KeyNotEncoded, n.KeyEncodingUncertain = !ok, true
	n.ETag, n.VersionID, n.Sequencer = d.Object.ETag, d.Object.VersionID, d.Object.Sequencer
	return []notice{n}, nil
}

// decodeKey undoes S3's form encoding of an object key in an event. A key
// that does not decode ("100%.csv") was not encoded, since S3 encodes every
// '%' as "%25": it is returned as it came, with ok false.
func decodeKey(k string) (key string, ok bool) {
	key, err := url.QueryUnescape(k)
	if err != nil {
		return k, false
	}
	return key, true
}
