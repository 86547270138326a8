package localrun

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go/logging"

	"github.com/example/orderflow/internal/orders"
	"github.com/example/orderflow/tools/moto"
)

// startMoto starts moto for one test, skipped where no Python has moto
// (make test installs it) unless CI=true.
func startMoto(t *testing.T) *moto.Server {
	t.Helper()
	root, err := ModuleRoot(".")
	if err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(t.TempDir(), "moto.log")
	m, err := moto.Start(t.Context(), root, "", log)
	if errors.Is(err, moto.ErrNotInstalled) && os.Getenv("CI") != "true" {
		t.Skipf("no moto: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Stop)
	return m
}

// TestSeededObjectReadsWithAChecksum: the SDK's GetObject asks for
// checksums; S3 answers with one (it computes one for every object) and the
// SDK validates the payload. The sample file Seed uploads comes back from
// moto with its checksum, so a local run's reads validate it and log
// nothing (without one the SDK logs "Response has no supported checksum" on
// every read, as a local run once printed).
func TestSeededObjectReadsWithAChecksum(t *testing.T) {
	m := startMoto(t)
	ctx := context.Background()
	var logs bytes.Buffer
	cfg := moto.Config("us-east-1", m.Endpoint)
	// What config.LoadDefaultConfig gives a function: a logger to stderr
	// and checksums when supported.
	cfg.Logger = logging.NewStandardLogger(&logs)
	cfg.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenSupported
	c := s3.NewFromConfig(cfg)
	if err := CreateBucket(ctx, c, Bucket{Name: "uploads", Versioned: true}); err != nil {
		t.Fatal(err)
	}
	db := dynamodb.NewFromConfig(moto.Config("us-east-1", m.Endpoint))
	d := orders.Design(false)
	if err := CreateTable(ctx, db, "Orders", TableProps{AttributeDefinitions: d.AttributeDefinitions, KeySchema: d.KeySchema, GlobalSecondaryIndexes: d.GlobalSecondaryIndexes}); err != nil {
		t.Fatal(err)
	}
	if err := Seed(ctx, db, c, "Orders", "uploads"); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("uploads"), Key: aws.String(SampleUploadKey)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(out.Body)
	out.Body.Close()
	if err != nil || string(got) != SampleCSV {
		t.Fatalf("got %q (%v), want the sample file", got, err)
	}
	if strings.Contains(logs.String(), "no supported checksum") || aws.ToString(out.ChecksumCRC32) == "" {
		t.Errorf("GetObject: checksum %q, SDK log %q; want the object's checksum and no log", aws.ToString(out.ChecksumCRC32), logs.String())
	}
}

// TestCreateResourcesMakesWhatTheFunctionsUse: the test assembly's table,
// bucket, queue, topic and bus exist on moto under their local names.
func TestCreateResourcesMakesWhatTheFunctionsUse(t *testing.T) {
	m := startMoto(t)
	a := loadTestAssembly(t)
	ctx := context.Background()
	if err := a.CreateResources(ctx, m.Endpoint, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, q := range a.Names(TypeQueue) {
		if _, err := sqs.NewFromConfig(moto.Config(a.Region, m.Endpoint)).GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(q)}); err != nil {
			t.Errorf("queue %s: %v", q, err)
		}
	}
	if len(a.Names(TypeQueue)) == 0 {
		t.Error("test assembly: no queue")
	}
	tables, _ := a.Tables()
	for _, tb := range tables {
		if _, err := dynamodb.NewFromConfig(moto.Config(a.Region, m.Endpoint)).DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(tb.Name)}); err != nil {
			t.Errorf("table %s: %v", tb.Name, err)
		}
	}
}
