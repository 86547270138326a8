// Package dynalite starts a local DynamoDB (the npm package dynalite, which
// the repository's package.json pins and `npm ci` installs) for the tests
// and benchmarks of this module: on 127.0.0.1, on a free port, stopped by
// the test's cleanup, also when the test fails.
package dynalite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Start runs dynalite for t and returns a client of it. Without
// node_modules/dynalite (no `npm ci` in the repository) the test is
// skipped with a message saying so, unless CI=true, where it fails.
func Start(t testing.TB) *dynamodb.Client {
	t.Helper()
	cli, err := findCLI()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("local DynamoDB: %v (CI=true: required)", err)
		}
		t.Skipf("local DynamoDB: %v; run `npm ci` in the repository root to run this test", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("local DynamoDB: node is not on PATH (CI=true: required)")
		}
		t.Skip("local DynamoDB: node is not on PATH")
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := exec.Command(node, cli, "--host", "127.0.0.1", "--port", strconv.Itoa(port), "--createTableMs", "0")
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Dir = t.TempDir()
	setParentDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dynalite: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("dynalite did not listen on %s within 20 s: %s", addr, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String("http://" + addr),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local"}, nil
		}),
	})
}

// CreateTable creates an on-demand table named name with a string
// partition key named key, and fails t when it cannot.
func CreateTable(t testing.TB, c *dynamodb.Client, name, key string) {
	t.Helper()
	_, err := c.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String(key), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String(key), KeyType: types.KeyTypeHash}},
	})
	if err != nil {
		t.Fatalf("create table %s: %v", name, err)
	}
}

// findCLI walks up from the working directory to the repository root (the
// folder holding package.json) and returns its dynalite CLI.
func findCLI() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "package.json")); err == nil {
			cli := filepath.Join(dir, "node_modules", "dynalite", "cli.js")
			if _, err := os.Stat(cli); err != nil {
				return "", fmt.Errorf("%s is missing", cli)
			}
			return cli, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no package.json above the working directory")
		}
		dir = parent
	}
}

// freePort asks the kernel for a free port on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
