// Package moto starts a local DynamoDB for the tests and benchmarks of this
// module: moto's server (moto[server], the local AWS the repository's tools
// use; `make moto` installs it, make test does so where it can), on
// 127.0.0.1, on a free port, stopped by the test's cleanup, also when the
// test fails.
package moto

import (
	"bytes"
	"context"
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

// Start runs moto for t and returns a DynamoDB client of it. Without a
// Python that has moto (MOTO_PYTHON, the repository's .build/moto, python3)
// the test is skipped with a message saying so, unless CI=true, where it
// fails.
func Start(t testing.TB) *dynamodb.Client {
	t.Helper()
	python, err := findPython()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("local DynamoDB: %v (CI=true: required)", err)
		}
		t.Skipf("local DynamoDB: %v; run `make moto` in the repository root to run this test", err)
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := exec.Command(python, "-m", "moto.server", "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.Dir = t.TempDir()
	setParentDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start moto: %v", err)
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
			t.Fatalf("moto did not listen on %s within 20 s: %s", addr, out.String())
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

// findPython returns the first Python that imports moto's server:
// $MOTO_PYTHON, else the repository's .build/moto (where `make moto`
// installs it), else python3 on PATH.
func findPython() (string, error) {
	var candidates []string
	if p := os.Getenv("MOTO_PYTHON"); p != "" {
		candidates = []string{p}
	} else {
		if dir, err := os.Getwd(); err == nil {
			for ; filepath.Dir(dir) != dir; dir = filepath.Dir(dir) {
				if _, err := os.Stat(filepath.Join(dir, "package.json")); err == nil {
					candidates = append(candidates, filepath.Join(dir, ".build", "moto", "bin", "python"))
					break
				}
			}
		}
		candidates = append(candidates, "python3")
	}
	for _, p := range candidates {
		if exec.Command(p, "-c", "import moto.server, flask").Run() == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no Python with moto[server] (tried %v)", candidates)
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
