package bulkimport

import (
	"fmt"

	"github.com/example/orderflow/internal/orders"
)

// OrderID returns the ID of the order that entry ref (Entry.Ref) of a file
// places: orders.IDFromKey over the file's bucket, key and version (its S3
// version ID, or its ETag in an unversioned bucket) and ref. Importing the same
// version of a file again gives the same IDs; a new upload under the same key
// gives new ones.
func OrderID(bucket, key, version, ref string) string {
	// Length-prefixed, so no two different tuples make the same string.
	return orders.IDFromKey(fmt.Sprintf("import:%d:%s:%d:%s:%d:%s:%d:%s",
		len(bucket), bucket, len(key), key, len(version), version, len(ref), ref))
}

// Summary is the report the importer writes for each file it handles, as
// JSON, to reports/<key without incoming/>.summary.json.
type Summary struct {
	// SourceKey is the file's object key, decoded.
	SourceKey string `json:"sourceKey"`
	// ETag is the file's ETag, without quotes: the one read, or the one in the
	// event when the file was not read.
	ETag string `json:"etag"`
	// VersionID is the version read, in a versioned bucket.
	VersionID string `json:"versionId,omitempty"`
	// Format is the format the file was read as, when known.
	Format Format `json:"format,omitempty"`
	// TotalRows counts the data rows read (Result.Rows).
	TotalRows int `json:"totalRows"`
	// Orders counts the valid orders found.
	Orders int `json:"orders"`
	// Stored counts the orders written by this import.
	Stored int `json:"stored"`
	// Duplicates counts the valid orders that were already stored (by an
	// earlier delivery of the same event) and left untouched.
	Duplicates int `json:"duplicates"`
	// RejectedRows counts the bad rows.
	RejectedRows int `json:"rejectedRows"`
	// Rejected lists the bad rows, by line; [] when there are none. The
	// importer may list only the first of many (see RejectedRows).
	Rejected []Rejection `json:"rejected"`
	// Error says why the file as a whole was not imported; absent otherwise.
	Error string `json:"error,omitempty"`
}
