package batch

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"slices"
	"testing"
)

// Reference aggregates written by the KPL aggregators of
// awslabs/kinesis-aggregation (their tests' vectors), so the format
// accepted here is not defined by the encoder of this package alone.
const (
	// partition key table [p1]; three records of 20 bytes, no EHK.
	refThreeSameKey = "84mawgoCcDEaGAgAGhQwMTIzNDU2Nzg5MDEyMzQ1NjdfQRoYCAAaFDAxMjM0NTY3ODkwMTIzNDU2N19CGhgIABoUMDEyMzQ1Njc4OTAxMjM0NTY3X0NHjL02iyRk3D+kO2UC2X6u"
	// partition key table [pk-0 pk-1 pk-2], one record each.
	refThreeKeys = "84mawgoEcGstMAoEcGstMQoEcGstMhoTCAAaD3sibXNnIjoibGluZTAifRoTCAEaD3sibXNnIjoibGluZTEifRoTCAIaD3sibXNnIjoibGluZTIifZ8hyadI+v2KZPZrUGim6cQ="
)

func b64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withDigest frames msg as an aggregate: magic, msg, MD5(msg).
func withDigest(msg []byte) []byte {
	sum := md5.Sum(msg)
	return append(append(append([]byte(nil), KPLMagic...), msg...), sum[:]...)
}

func TestDeaggregate(t *testing.T) {
	three := b64(t, refThreeSameKey)
	badDigest := bytes.Clone(three)
	badDigest[len(badDigest)-1] ^= 0xff
	tests := []struct {
		name    string
		data    []byte
		want    []UserRecord
		wantErr string
	}{
		{name: "plain record", data: []byte(`{"n":1}`),
			want: []UserRecord{{Data: []byte(`{"n":1}`), PartitionKey: "outer"}}},
		{name: "empty record", data: []byte{},
			want: []UserRecord{{Data: []byte{}, PartitionKey: "outer"}}},
		{name: "reference aggregate, one partition key", data: three, want: []UserRecord{
			{Data: []byte("012345678901234567_A"), PartitionKey: "p1", SubSequenceNumber: 0, Aggregated: true},
			{Data: []byte("012345678901234567_B"), PartitionKey: "p1", SubSequenceNumber: 1, Aggregated: true},
			{Data: []byte("012345678901234567_C"), PartitionKey: "p1", SubSequenceNumber: 2, Aggregated: true},
		}},
		{name: "reference aggregate, three partition keys", data: b64(t, refThreeKeys), want: []UserRecord{
			{Data: []byte(`{"msg":"line0"}`), PartitionKey: "pk-0", SubSequenceNumber: 0, Aggregated: true},
			{Data: []byte(`{"msg":"line1"}`), PartitionKey: "pk-1", SubSequenceNumber: 1, Aggregated: true},
			{Data: []byte(`{"msg":"line2"}`), PartitionKey: "pk-2", SubSequenceNumber: 2, Aggregated: true},
		}},
		{name: "bad digest: a plain record", data: badDigest,
			want: []UserRecord{{Data: badDigest, PartitionKey: "outer"}}},
		{name: "magic and a digest only: a plain record", data: withDigest(nil)[:len(KPLMagic)+16],
			want: []UserRecord{{Data: withDigest(nil)[:len(KPLMagic)+16], PartitionKey: "outer"}}},
		{name: "magic alone: a plain record", data: KPLMagic,
			want: []UserRecord{{Data: KPLMagic, PartitionKey: "outer"}}},
		{name: "aggregate of no records", data: withDigest([]byte{0x0a, 0x01, 'k'}), want: []UserRecord{}},
		{name: "unknown fields are skipped", data: withDigest(append([]byte{0x20, 0x07, 0x0a, 0x01, 'k'}, // field 4 varint 7, pk table [k]
			0x1a, 0x07, 0x08, 0x00, 0x22, 0x00, 0x1a, 0x01, 'x')), // Record{pk 0, tags {}, data "x"}
			want: []UserRecord{{Data: []byte("x"), PartitionKey: "k", Aggregated: true}}},
		{name: "partition key index outside the table", data: withDigest([]byte{0x0a, 0x01, 'k', 0x1a, 0x05, 0x08, 0x01, 0x1a, 0x01, 'x'}),
			wantErr: "kpl: corrupt aggregated record: record 0: partition key index 1 is outside the table of 1"},
		{name: "explicit hash key index outside the table", data: withDigest([]byte{0x0a, 0x01, 'k', 0x1a, 0x07, 0x08, 0x00, 0x10, 0x00, 0x1a, 0x01, 'x'}),
			wantErr: "kpl: corrupt aggregated record: record 0: explicit hash key index 0 is outside the table of 0"},
		{name: "missing data", data: withDigest([]byte{0x0a, 0x01, 'k', 0x1a, 0x02, 0x08, 0x00}),
			wantErr: "kpl: corrupt aggregated record: record 0: required data is missing"},
		{name: "missing partition key index", data: withDigest([]byte{0x1a, 0x03, 0x1a, 0x01, 'x'}),
			wantErr: "kpl: corrupt aggregated record: record 0: required partition_key_index is missing"},
		{name: "truncated field", data: withDigest([]byte{0x1a, 0x05, 0x08}),
			wantErr: "kpl: corrupt aggregated record: field 3: unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Deaggregate(tt.data, "outer")
			if tt.wantErr != "" {
				var ae *AggregateError
				if err == nil || err.Error() != tt.wantErr || !errors.As(err, &ae) {
					t.Fatalf("got (%v, %v), want *AggregateError %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if !slices.EqualFunc(got, tt.want, func(a, b UserRecord) bool {
				return bytes.Equal(a.Data, b.Data) && a.PartitionKey == b.PartitionKey && a.ExplicitHashKey == b.ExplicitHashKey &&
					a.SubSequenceNumber == b.SubSequenceNumber && a.Aggregated == b.Aggregated
			}) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// Aggregate writes the reference aggregators' bytes exactly.
func TestAggregateMatchesReference(t *testing.T) {
	tests := []struct {
		name string
		recs []UserRecord
		want string
	}{
		{name: "one partition key", want: refThreeSameKey, recs: []UserRecord{
			{Data: []byte("012345678901234567_A"), PartitionKey: "p1"},
			{Data: []byte("012345678901234567_B"), PartitionKey: "p1"},
			{Data: []byte("012345678901234567_C"), PartitionKey: "p1"},
		}},
		{name: "three partition keys", want: refThreeKeys, recs: []UserRecord{
			{Data: []byte(`{"msg":"line0"}`), PartitionKey: "pk-0"},
			{Data: []byte(`{"msg":"line1"}`), PartitionKey: "pk-1"},
			{Data: []byte(`{"msg":"line2"}`), PartitionKey: "pk-2"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := base64.StdEncoding.EncodeToString(Aggregate(tt.recs)); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

// FuzzDeaggregate: any input either decodes into user records that
// re-aggregate to records with the same content, or is a plain record, or
// an *AggregateError; it never panics. Seeds: the reference vectors and a
// plain record.
func FuzzDeaggregate(f *testing.F) {
	f.Add(b64(f, refThreeSameKey))
	f.Add(b64(f, refThreeKeys))
	f.Add([]byte(`{"n":1}`))
	f.Add(withDigest([]byte{0x0a, 0x01, 'k', 0x12, 0x01, 'h', 0x1a, 0x07, 0x08, 0x00, 0x10, 0x00, 0x1a, 0x01, 'x'}))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Fuzz the message: framed with a right digest, most inputs reach
		// the protobuf decoder.
		for _, in := range [][]byte{data, withDigest(data)} {
			recs, err := Deaggregate(in, "outer")
			if err != nil {
				var ae *AggregateError
				if !errors.As(err, &ae) {
					t.Fatalf("got error %T %v, want *AggregateError", err, err)
				}
				continue
			}
			if len(recs) == 1 && !recs[0].Aggregated {
				if !bytes.Equal(recs[0].Data, in) || recs[0].PartitionKey != "outer" {
					t.Fatalf("plain record changed: got %q", recs[0].Data)
				}
				continue
			}
			again, err := Deaggregate(Aggregate(recs), "outer")
			if err != nil {
				t.Fatalf("re-aggregated records do not decode: %v", err)
			}
			if len(again) != len(recs) {
				t.Fatalf("got %d records after a round trip, want %d", len(again), len(recs))
			}
			for i := range recs {
				a, b := recs[i], again[i]
				if !bytes.Equal(a.Data, b.Data) || a.PartitionKey != b.PartitionKey || a.ExplicitHashKey != b.ExplicitHashKey || !b.Aggregated || b.SubSequenceNumber != i {
					t.Fatalf("record %d: got %+v after a round trip, want %+v", i, b, a)
				}
			}
		}
	})
}
