package localrun

import (
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// SQSMessage is one message a FakeSQS received.
type SQSMessage struct {
	// Action is "SendMessage" or "SendMessageBatch".
	Action   string
	QueueURL string
	// ID is the batch entry's Id ("" for SendMessage).
	ID string
	// MessageID is the ID the fake answered with.
	MessageID string
	Body      string
}

// FakeSQS is a recording stand-in for SQS at the SDK boundary: it speaks the
// JSON protocol of current SDKs (X-Amz-Target: AmazonSQS.<Action>), answers
// SendMessage and SendMessageBatch with success (every entry, with the MD5
// digest the SDK checks) and records each message; every other action, and a
// message with attributes (whose digest it does not compute), gets an error.
// No local emulator speaks that protocol, hence the fake: nothing is queued.
type FakeSQS struct {
	// OnSend, when set, is called with each message received.
	OnSend func(SQSMessage)

	mu   sync.Mutex
	sent []SQSMessage
}

// Messages returns the messages received so far, in order.
func (f *FakeSQS) Messages() []SQSMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]SQSMessage(nil), f.sent...)
}

type sqsEntry struct {
	ID                string          `json:"Id"`
	MessageBody       string          `json:"MessageBody"`
	MessageAttributes json.RawMessage `json:"MessageAttributes"`
}

// ServeHTTP answers one SQS JSON-protocol request.
func (f *FakeSQS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	action, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AmazonSQS.")
	var in struct {
		QueueURL string `json:"QueueUrl"`
		sqsEntry
		Entries []sqsEntry `json:"Entries"`
	}
	if !ok || r.Method != http.MethodPost {
		sqsError(w, "InvalidAction", "the fake SQS speaks only the JSON protocol (POST with X-Amz-Target)")
		return
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		sqsError(w, "MalformedInput", err.Error())
		return
	}
	switch action {
	case "SendMessage":
		if len(in.MessageAttributes) > 0 {
			sqsError(w, "UnsupportedOperation", "the fake SQS does not take message attributes")
			return
		}
		m := f.record(action, in.QueueURL, "", in.MessageBody)
		writeJSON(w, map[string]string{"MessageId": m.MessageID, "MD5OfMessageBody": md5Hex(m.Body)})
	case "SendMessageBatch":
		type ok struct {
			ID               string `json:"Id"`
			MessageID        string `json:"MessageId"`
			MD5OfMessageBody string
		}
		type failed struct {
			ID            string `json:"Id"`
			Code, Message string
			SenderFault   bool
		}
		out := struct {
			Successful []ok
			Failed     []failed
		}{Successful: []ok{}, Failed: []failed{}}
		for _, e := range in.Entries {
			if len(e.MessageAttributes) > 0 {
				out.Failed = append(out.Failed, failed{e.ID, "UnsupportedOperation", "the fake SQS does not take message attributes", true})
				continue
			}
			m := f.record(action, in.QueueURL, e.ID, e.MessageBody)
			out.Successful = append(out.Successful, ok{e.ID, m.MessageID, md5Hex(m.Body)})
		}
		writeJSON(w, out)
	default:
		sqsError(w, "UnsupportedOperation", "the fake SQS answers only SendMessage and SendMessageBatch, not "+action)
	}
}

func (f *FakeSQS) record(action, queueURL, id, body string) SQSMessage {
	m := SQSMessage{Action: action, QueueURL: queueURL, ID: id, MessageID: newUUID(), Body: body}
	f.mu.Lock()
	f.sent = append(f.sent, m)
	f.mu.Unlock()
	if f.OnSend != nil {
		f.OnSend(m)
	}
	return m
}

func sqsError(w http.ResponseWriter, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-Query-Error", "AWS.SimpleQueueService."+code+";Sender")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": "com.amazonaws.sqs#" + code, "message": msg})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	_ = json.NewEncoder(w).Encode(v)
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// newUUID returns a random RFC 4122 version 4 UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
