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
	// Key is the object key, URL-decoded.
	Key string
	// Size is the object's size in bytes as the event gives it; 0 when absent.
	Size int64
	// ETag, VersionID and Sequencer are as the event gives them ("" when absent).
	ETag, VersionID, Sequencer string
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
// notification (events.S3Event, told by its "Records") or an EventBridge
// event from source "aws.s3", and returns one notice per object.
//
// Keys are URL-decoded with url.QueryUnescape ('+' is a space) in both
// shapes. S3 documents this form encoding for notifications; the EventBridge
// page does not say, but AWS's own Powertools for Lambda decodes the
// EventBridge detail.object.key the same way (unquote_plus), so both are
// treated alike. A key that does not decode fails the whole event.
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

func decodeS3Event(raw []byte) ([]notice, error) {
	var ev events.S3Event
	if err := json.Unmarshal(raw, &ev); err != nil { // also fails on a key that does not URL-decode
		return nil, fmt.Errorf("decode S3 notification: %w", err)
	}
	ns := make([]notice, 0, len(ev.Records))
	for i, r := range ev.Records {
		o := r.S3.Object
		key, err := decodeKey(o.Key)
		if err != nil {
			return nil, fmt.Errorf("decode S3 notification record %d: %w", i, err)
		}
		ns = append(ns, notice{
			Kind:      r.EventName,
			Created:   strings.HasPrefix(r.EventName, "ObjectCreated:"),
			Bucket:    r.S3.Bucket.Name,
			Key:       key,
			Size:      o.Size,
			ETag:      o.ETag,
			VersionID: o.VersionID,
			Sequencer: o.Sequencer,
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
	key, err := decodeKey(d.Object.Key)
	if err != nil {
		return nil, fmt.Errorf("decode EventBridge %q detail: %w", ev.DetailType, err)
	}
	n.Bucket, n.Key, n.Size = d.Bucket.Name, key, d.Object.Size
	n.ETag, n.VersionID, n.Sequencer = d.Object.ETag, d.Object.VersionID, d.Object.Sequencer
	return []notice{n}, nil
}

// decodeKey undoes S3's form encoding of an object key in an event.
func decodeKey(k string) (string, error) {
	key, err := url.QueryUnescape(k)
	if err != nil {
		return "", fmt.Errorf("object key %q: %w", k, err)
	}
	return key, nil
}
