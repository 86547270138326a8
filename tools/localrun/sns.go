package localrun

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"unicode"
)

// SNSMessage is one message a FakeSNS accepted (a Publish).
type SNSMessage struct {
	TopicARN string
	// Message is as published: with MessageStructure "json", a JSON object
	// of one message per protocol.
	Message          string
	MessageStructure string
	Subject          string
	// Attributes are the message attributes' string values by name
	// (DataType String or Number).
	Attributes map[string]string
	// MessageID is the ID the fake answered with.
	MessageID string
}

// FakeSNS is a recording stand-in for SNS at the SDK boundary: it speaks the
// query protocol of the SDKs (form-encoded POST, Action=Publish, XML
// answers) and answers Publish with a message ID after the checks SNS makes:
// a TopicArn; a Message (at most 256 KiB); with MessageStructure "json", a
// Message that is a JSON object with a string "default"; a Subject of
// printable ASCII, at most 100 characters; each message attribute with a
// DataType of String, String.Array, Number or Binary and a value. It
// answers InvalidParameter (HTTP 400) otherwise, and NotFound (404) for a
// topic not in Topics when Topics is set. Every other action gets an error.
// Nothing is delivered: there are no subscriptions.
type FakeSNS struct {
	// Topics, when set, are the only topic ARNs Publish accepts.
	Topics []string
	// OnPublish, when set, is called with each message accepted.
	OnPublish func(SNSMessage)

	mu   sync.Mutex
	msgs []SNSMessage
}

// Messages returns the messages accepted so far, in order.
func (f *FakeSNS) Messages() []SNSMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]SNSMessage(nil), f.msgs...)
}

// maxSNSMessage is the largest message SNS takes, in bytes.
const maxSNSMessage = 256 * 1024

// ServeHTTP answers one SNS query-protocol request.
func (f *FakeSNS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		snsError(w, http.StatusBadRequest, "InvalidAction", "the fake SNS speaks only the query protocol (form-encoded POST)")
		return
	}
	if err := r.ParseForm(); err != nil {
		snsError(w, http.StatusBadRequest, "MalformedQueryString", err.Error())
		return
	}
	form := r.PostForm
	if a := form.Get("Action"); a != "Publish" {
		snsError(w, http.StatusBadRequest, "InvalidAction", "the fake SNS answers only Publish, not "+strconv.Quote(a))
		return
	}
	m := SNSMessage{
		TopicARN:         form.Get("TopicArn"),
		Message:          form.Get("Message"),
		MessageStructure: form.Get("MessageStructure"),
		Subject:          form.Get("Subject"),
		Attributes:       map[string]string{},
	}
	for i := 1; ; i++ {
		prefix := "MessageAttributes.entry." + strconv.Itoa(i) + "."
		name := form.Get(prefix + "Name")
		if name == "" {
			break
		}
		typ := form.Get(prefix + "Value.DataType")
		val := form.Get(prefix + "Value.StringValue")
		switch {
		case typ != "String" && typ != "String.Array" && typ != "Number" && typ != "Binary":
			snsError(w, http.StatusBadRequest, "ParameterValueInvalid", fmt.Sprintf("The message attribute '%s' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.", name))
			return
		case typ != "Binary" && val == "":
			snsError(w, http.StatusBadRequest, "ParameterValueInvalid", fmt.Sprintf("The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, typ))
			return
		}
		m.Attributes[name] = val
	}
	switch {
	case m.TopicARN == "":
		snsError(w, http.StatusBadRequest, "InvalidParameter", "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter")
		return
	case len(f.Topics) > 0 && !slices.Contains(f.Topics, m.TopicARN):
		snsError(w, http.StatusNotFound, "NotFound", "Topic does not exist")
		return
	case m.Message == "":
		snsError(w, http.StatusBadRequest, "InvalidParameter", "Invalid parameter: Empty message")
		return
	case len(m.Message) > maxSNSMessage:
		snsError(w, http.StatusBadRequest, "InvalidParameter", "Invalid parameter: Message too long")
		return
	case !validSubject(m.Subject):
		snsError(w, http.StatusBadRequest, "InvalidParameter", "Invalid parameter: Subject")
		return
	}
	if m.MessageStructure != "" {
		var msgs map[string]json.RawMessage
		var def string
		switch {
		case m.MessageStructure != "json":
			snsError(w, http.StatusBadRequest, "InvalidParameter", "Invalid parameter: MessageStructure")
			return
		case json.Unmarshal([]byte(m.Message), &msgs) != nil || msgs == nil:
			snsError(w, http.StatusBadRequest, "InvalidParameter", "Invalid parameter: Message Structure - JSON message body failed to parse")
			return
		case msgs["default"] == nil || json.Unmarshal(msgs["default"], &def) != nil:
			snsError(w, http.StatusBadRequest, "InvalidParameter", "Invalid parameter: Message Structure - No default entry in JSON message body")
			return
		}
	}
	m.MessageID = newUUID()
	f.mu.Lock()
	f.msgs = append(f.msgs, m)
	f.mu.Unlock()
	if f.OnPublish != nil {
		f.OnPublish(m)
	}
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>%s</MessageId></PublishResult><ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></PublishResponse>`,
		m.MessageID, newUUID())
}

// validSubject: empty, or at most 100 printable ASCII characters (SNS:
// "must be ASCII text that begins with a letter, number, or punctuation
// mark; must not include line breaks or control characters").
func validSubject(s string) bool {
	if len(s) > 100 {
		return false
	}
	for _, c := range s {
		if c > unicode.MaxASCII || !unicode.IsPrint(c) {
			return false
		}
	}
	return s == "" || s[0] != ' '
}

func snsError(w http.ResponseWriter, status int, code, msg string) {
	var esc struct {
		XMLName xml.Name `xml:"ErrorResponse"`
		Xmlns   string   `xml:"xmlns,attr"`
		Error   struct {
			Type, Code, Message string
		}
		RequestID string `xml:"RequestId"`
	}
	esc.Xmlns = "http://sns.amazonaws.com/doc/2010-03-31/"
	esc.Error.Type, esc.Error.Code, esc.Error.Message = "Sender", code, msg
	esc.RequestID = newUUID()
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	_ = xml.NewEncoder(w).Encode(esc)
}
