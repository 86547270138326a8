package idempotency

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/example/orderflow/runtime/internal/moto"
)

// counting counts the calls of each operation and forwards them.
type counting struct {
	Client
	mu    sync.Mutex
	calls map[string]int
}

func (c *counting) count(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[op]++
}

func (c *counting) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.count("PutItem")
	return c.Client.PutItem(ctx, in, o...)
}

func (c *counting) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.count("GetItem")
	return c.Client.GetItem(ctx, in, o...)
}

func (c *counting) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	c.count("DeleteItem")
	return c.Client.DeleteItem(ctx, in, o...)
}

// localGuard starts the local DynamoDB with an idempotency table.
func localGuard(t testing.TB) (*Guard, *counting) {
	c := moto.Start(t)
	moto.CreateTable(t, c, "Idempotency", AttrID)
	cc := &counting{Client: c, calls: map[string]int{}}
	return &Guard{Client: cc, Table: "Idempotency", Prefix: "test"}, cc
}

// The four cases against the local DynamoDB: the real condition expression
// and the real conditional-write errors.
func TestLocalDynamoDB(t *testing.T) {
	g, calls := localGuard(t)
	ctx := context.Background()

	t.Run("two concurrent invocations with one key: one runs, the other is told it is in progress", func(t *testing.T) {
		started, release := make(chan struct{}), make(chan struct{})
		var wg sync.WaitGroup
		var firstErr error
		runs := 0
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, firstErr = Do(ctx, g, "concurrent", "p", func(ctx context.Context) (result, error) {
				runs++
				close(started)
				<-release
				return result{MessageID: "m-1"}, nil
			})
		}()
		<-started
		_, err := Do(ctx, g, "concurrent", "p", func(ctx context.Context) (result, error) {
			runs++
			return result{}, nil
		})
		close(release)
		wg.Wait()
		if !errors.Is(err, ErrInProgress) {
			t.Errorf("second: got %v, want ErrInProgress", err)
		}
		if firstErr != nil || runs != 1 {
			t.Errorf("first: got %v after %d runs, want nil after 1", firstErr, runs)
		}
	})

	t.Run("a repeat returns the stored result", func(t *testing.T) {
		first, err := Do(ctx, g, "repeat", "p", func(ctx context.Context) (result, error) { return result{MessageID: "m-7", N: 7}, nil })
		if err != nil {
			t.Fatal(err)
		}
		again, err := Do(ctx, g, "repeat", "p", func(ctx context.Context) (result, error) {
			t.Error("ran again")
			return result{}, nil
		})
		if err != nil || again != first {
			t.Errorf("got (%+v, %v), want (%+v, nil)", again, err, first)
		}
	})

	t.Run("an expired in-progress record is taken over", func(t *testing.T) {
		// A crashed invocation with 200 ms left wrote its claim.
		crashed, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		if old, err := g.claim(crashed, "crashed", g.ID("crashed"), "h"); old != nil || err != nil {
			t.Fatalf("claim: got (%v, %v)", old, err)
		}
		if _, err := Do(ctx, g, "crashed", nil, func(ctx context.Context) (result, error) { return result{}, nil }); !errors.Is(err, ErrInProgress) {
			t.Fatalf("before its deadline: got %v, want ErrInProgress", err)
		}
		time.Sleep(250 * time.Millisecond)
		ran := false
		if _, err := Do(ctx, g, "crashed", nil, func(ctx context.Context) (result, error) { ran = true; return result{}, nil }); err != nil || !ran {
			t.Errorf("after its deadline: got %v, ran %v; want it run", err, ran)
		}
	})

	t.Run("a key reused with another payload is refused", func(t *testing.T) {
		if _, err := Do(ctx, g, "reused", map[string]string{"orderId": "o-1"}, func(ctx context.Context) (result, error) { return result{}, nil }); err != nil {
			t.Fatal(err)
		}
		_, err := Do(ctx, g, "reused", map[string]string{"orderId": "o-2"}, func(ctx context.Context) (result, error) {
			t.Error("ran with another payload")
			return result{}, nil
		})
		var pm *PayloadMismatchError
		if !errors.As(err, &pm) || pm.Key != "reused" {
			t.Errorf("got %v, want *PayloadMismatchError for key reused", err)
		}
	})

	t.Run("a failed run leaves no record", func(t *testing.T) {
		if _, err := Do(ctx, g, "failing", "p", func(ctx context.Context) (result, error) { return result{}, errBoom }); !errors.Is(err, errBoom) {
			t.Fatalf("got %v, want errBoom", err)
		}
		out, err := g.Client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(g.Table), Key: map[string]typesAV{AttrID: s(g.ID("failing"))}})
		if err != nil || len(out.Item) != 0 {
			t.Errorf("got item %v (error %v), want none", out.Item, err)
		}
	})
	t.Logf("calls: %v", calls.calls)
}

// Actions lists exactly the DynamoDB operations the package's code calls:
// every call needs its *dynamodb.<Op>Input, so the inputs the (non-test)
// source builds are the operations.
func TestActionsAreTheCallsInTheCode(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	ops := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == "dynamodb" && strings.HasSuffix(sel.Sel.Name, "Input") {
					ops["dynamodb:"+strings.TrimSuffix(sel.Sel.Name, "Input")] = true
				}
			}
			return true
		})
	}
	var got []string
	for op := range ops {
		got = append(got, op)
	}
	slices.Sort(got)
	if !slices.Equal(got, Actions) {
		t.Errorf("got operations %v in the code, want Actions %v", got, Actions)
	}
}
