package batch

import (
	"bytes"
	"crypto/md5"
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// KPLMagic is the first four bytes of a record in the Kinesis Producer
// Library's aggregated format (amazon-kinesis-producer,
// aggregation-format.md): magic, a protobuf AggregatedRecord, then the
// 16-byte MD5 digest of that protobuf message.
var KPLMagic = []byte{0xF3, 0x89, 0x9A, 0xC2}

// kplDigestLen is the length of the MD5 trailer.
const kplDigestLen = md5.Size

// UserRecord is one record as its producer put it: a KPL aggregate holds
// several, any other Kinesis record is one.
type UserRecord struct {
	// Data is the user record's payload. For an aggregate it is a slice of
	// the aggregated record's data, not a copy.
	Data []byte
	// PartitionKey is the user record's partition key: from the aggregate's
	// partition key table, or the Kinesis record's own.
	PartitionKey string
	// ExplicitHashKey is the user record's explicit hash key when its
	// producer set one; "" otherwise.
	ExplicitHashKey string
	// SubSequenceNumber is the user record's index in its aggregate (0 for
	// a record that is not one). With the outer sequence number it
	// identifies the user record, as the KCL's UserRecord does.
	SubSequenceNumber int
	// Aggregated is true when the record came out of a KPL aggregate.
	Aggregated bool
}

// AggregateError says why a record that carries the KPL magic and a
// matching MD5 digest does not decode: it is a corrupt aggregate, not a
// plain record that happens to start with the magic.
type AggregateError struct {
	// Reason says what is wrong, e.g. "record 2: partition key index 5 is
	// outside the table of 3".
	Reason string
}

// Error is "kpl: corrupt aggregated record: <reason>".
func (e *AggregateError) Error() string { return "kpl: corrupt aggregated record: " + e.Reason }

// Deaggregate returns the user records of a Kinesis record's data, with the
// behaviour of the KPL deaggregators (awslabs/kinesis-aggregation):
//
//   - data that does not start with KPLMagic, is not longer than the magic
//     plus the 16-byte digest, or whose digest does not match the MD5 of the
//     message between them, is not an aggregate: one user record holding
//     data and partitionKey, SubSequenceNumber 0, Aggregated false;
//   - otherwise the protobuf AggregatedRecord is decoded: one user record
//     per Record, in order, SubSequenceNumber its index, PartitionKey and
//     ExplicitHashKey looked up in the aggregate's tables. An aggregate of
//     no records gives none.
//
// A digest that matches a message that does not decode (bad wire format, a
// missing required field, an index outside its table) is an
// *AggregateError, as the Go deaggregator returns an error (the Python one
// passes such a record on whole, which hands the handler bytes no producer
// wrote as one record).
func Deaggregate(data []byte, partitionKey string) ([]UserRecord, error) {
	if !isAggregate(data) {
		return []UserRecord{{Data: data, PartitionKey: partitionKey}}, nil
	}
	return decodeAggregate(data[len(KPLMagic) : len(data)-kplDigestLen])
}

// isAggregate checks the magic, the length and the digest.
func isAggregate(data []byte) bool {
	if len(data) <= len(KPLMagic)+kplDigestLen || !bytes.Equal(data[:len(KPLMagic)], KPLMagic) {
		return false
	}
	msg := data[len(KPLMagic) : len(data)-kplDigestLen]
	sum := md5.Sum(msg)
	return bytes.Equal(sum[:], data[len(data)-kplDigestLen:])
}

// Field numbers of the KPL's messages.proto.
const (
	fieldPartitionKeyTable    = 1 // AggregatedRecord: repeated string
	fieldExplicitHashKeyTable = 2 // AggregatedRecord: repeated string
	fieldRecords              = 3 // AggregatedRecord: repeated Record

	fieldPartitionKeyIndex    = 1 // Record: required uint64
	fieldExplicitHashKeyIndex = 2 // Record: optional uint64
	fieldData                 = 3 // Record: required bytes
	// 4: Record.tags, repeated Tag: skipped.
)

// decodeAggregate decodes an AggregatedRecord message.
func decodeAggregate(msg []byte) ([]UserRecord, error) {
	var pks, ehks []string
	var recs [][]byte
	for len(msg) > 0 {
		num, typ, n := protowire.ConsumeTag(msg)
		if n < 0 {
			return nil, &AggregateError{Reason: "bad tag: " + protowire.ParseError(n).Error()}
		}
		msg = msg[n:]
		if typ == protowire.BytesType && num >= fieldPartitionKeyTable && num <= fieldRecords {
			v, n := protowire.ConsumeBytes(msg)
			if n < 0 {
				return nil, &AggregateError{Reason: fmt.Sprintf("field %d: %v", num, protowire.ParseError(n))}
			}
			msg = msg[n:]
			switch num {
			case fieldPartitionKeyTable:
				pks = append(pks, string(v))
			case fieldExplicitHashKeyTable:
				ehks = append(ehks, string(v))
			case fieldRecords:
				recs = append(recs, v)
			}
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, msg)
		if n < 0 {
			return nil, &AggregateError{Reason: fmt.Sprintf("field %d: %v", num, protowire.ParseError(n))}
		}
		msg = msg[n:]
	}
	out := make([]UserRecord, len(recs))
	for i, rec := range recs {
		u, err := decodeRecord(rec, pks, ehks)
		if err != nil {
			return nil, &AggregateError{Reason: fmt.Sprintf("record %d: %v", i, err)}
		}
		u.SubSequenceNumber = i
		u.Aggregated = true
		out[i] = u
	}
	return out, nil
}

// decodeRecord decodes a Record message against the aggregate's tables.
func decodeRecord(msg []byte, pks, ehks []string) (UserRecord, error) {
	var u UserRecord
	var hasPK, hasData bool
	for len(msg) > 0 {
		num, typ, n := protowire.ConsumeTag(msg)
		if n < 0 {
			return u, protowire.ParseError(n)
		}
		msg = msg[n:]
		switch {
		case (num == fieldPartitionKeyIndex || num == fieldExplicitHashKeyIndex) && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(msg)
			if n < 0 {
				return u, protowire.ParseError(n)
			}
			msg = msg[n:]
			if num == fieldPartitionKeyIndex {
				if v >= uint64(len(pks)) {
					return u, fmt.Errorf("partition key index %d is outside the table of %d", v, len(pks))
				}
				u.PartitionKey, hasPK = pks[v], true
				continue
			}
			if v >= uint64(len(ehks)) {
				return u, fmt.Errorf("explicit hash key index %d is outside the table of %d", v, len(ehks))
			}
			u.ExplicitHashKey = ehks[v]
		case num == fieldData && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(msg)
			if n < 0 {
				return u, protowire.ParseError(n)
			}
			msg = msg[n:]
			u.Data, hasData = v, true
		default:
			n := protowire.ConsumeFieldValue(num, typ, msg)
			if n < 0 {
				return u, protowire.ParseError(n)
			}
			msg = msg[n:]
		}
	}
	switch {
	case !hasPK:
		return u, errors.New("required partition_key_index is missing")
	case !hasData:
		return u, errors.New("required data is missing")
	}
	if u.Data == nil {
		u.Data = []byte{}
	}
	return u, nil
}

// Aggregate encodes user records in the KPL aggregated format, the inverse
// of Deaggregate: partition keys and explicit hash keys go into the
// aggregate's tables (each distinct value once, in first-use order), a
// record's ExplicitHashKey only when not "". It is what a producer would
// write (for tests and fixtures; the KPL also caps an aggregate at 1 MiB,
// the Kinesis record size, which Aggregate does not check).
func Aggregate(recs []UserRecord) []byte {
	var pks, ehks []string
	pkIndex, ehkIndex := map[string]uint64{}, map[string]uint64{}
	index := func(table *[]string, idx map[string]uint64, s string) uint64 {
		if i, ok := idx[s]; ok {
			return i
		}
		idx[s] = uint64(len(*table))
		*table = append(*table, s)
		return idx[s]
	}
	var bodies [][]byte
	for _, r := range recs {
		var b []byte
		b = protowire.AppendTag(b, fieldPartitionKeyIndex, protowire.VarintType)
		b = protowire.AppendVarint(b, index(&pks, pkIndex, r.PartitionKey))
		if r.ExplicitHashKey != "" {
			b = protowire.AppendTag(b, fieldExplicitHashKeyIndex, protowire.VarintType)
			b = protowire.AppendVarint(b, index(&ehks, ehkIndex, r.ExplicitHashKey))
		}
		b = protowire.AppendTag(b, fieldData, protowire.BytesType)
		b = protowire.AppendBytes(b, r.Data)
		bodies = append(bodies, b)
	}
	var msg []byte
	for _, pk := range pks {
		msg = protowire.AppendTag(msg, fieldPartitionKeyTable, protowire.BytesType)
		msg = protowire.AppendString(msg, pk)
	}
	for _, ehk := range ehks {
		msg = protowire.AppendTag(msg, fieldExplicitHashKeyTable, protowire.BytesType)
		msg = protowire.AppendString(msg, ehk)
	}
	for _, b := range bodies {
		msg = protowire.AppendTag(msg, fieldRecords, protowire.BytesType)
		msg = protowire.AppendBytes(msg, b)
	}
	sum := md5.Sum(msg)
	out := append(append([]byte(nil), KPLMagic...), msg...)
	return append(out, sum[:]...)
}
