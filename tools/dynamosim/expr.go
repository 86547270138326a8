package dynamosim

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/truora/minidyn/interpreter"
	"github.com/truora/minidyn/interpreter/language"
	mtypes "github.com/truora/minidyn/types"
)

// Expressions (conditions, key conditions, updates, projections) are
// minidyn's: parsed once per text, evaluated per item.

type item = map[string]types.AttributeValue

// env is a request's expression attribute names and values.
type env struct {
	names  map[string]string
	values item
}

// environment is the interpreter's view of it item and the request's values.
func (e env) environment(it item) (*language.Environment, error) {
	en := language.NewEnvironment()
	for k, v := range e.names {
		en.Aliases[k] = v
	}
	if err := en.AddAttributes(toMini(it)); err != nil {
		return nil, err
	}
	return en, en.AddAttributes(toMini(e.values))
}

// match evaluates a condition or key condition on it (nil: no item).
func (db *DB) match(expr string, e env, it item) (bool, error) {
	c, ok := db.conds[expr]
	if !ok {
		p := language.NewParser(language.NewLexer(expr))
		if c = p.ParseConditionalExpression(); len(p.Errors()) > 0 || c.Expression == nil {
			return false, fmt.Errorf("dynamosim: %q: %s", expr, strings.Join(p.Errors(), "; "))
		}
		db.conds[expr] = c
	}
	en, err := e.environment(it)
	if err != nil {
		return false, fmt.Errorf("dynamosim: %q: %w", expr, err)
	}
	res := language.Eval(c, en)
	if res.Type() == language.ObjectTypeError {
		return false, fmt.Errorf("dynamosim: %q: %s", expr, res.Inspect())
	}
	return res == language.TRUE, nil
}

// update returns it after the update expression.
func (db *DB) update(expr string, e env, it item) (item, error) {
	u, ok := db.ups[expr]
	if !ok {
		p := language.NewUpdateParser(language.NewLexer(expr))
		if u = p.ParseUpdateExpression(); len(p.Errors()) > 0 {
			return nil, fmt.Errorf("dynamosim: %q: %s", expr, strings.Join(p.Errors(), "; "))
		}
		db.ups[expr] = u
	}
	en, err := e.environment(it)
	if err != nil {
		return nil, fmt.Errorf("dynamosim: %q: %w", expr, err)
	}
	if res := language.EvalUpdate(u, en); res.Type() == language.ObjectTypeError {
		return nil, fmt.Errorf("dynamosim: %q: %s", expr, res.Inspect())
	}
	// What the environment holds now, the values aside, is the item:
	// applied to a new map, so that REMOVE removes (minidyn's client
	// applies it onto the old item, which keeps removed attributes).
	values := map[string]bool{}
	for k := range e.values {
		values[k] = true
	}
	next := map[string]*mtypes.Item{}
	en.Apply(next, e.names, values)
	return fromMini(next), nil
}

// project applies a projection expression.
func project(it item, expr *string, names map[string]string) (item, error) {
	if expr == nil || it == nil {
		return it, nil
	}
	p, err := (&interpreter.Language{}).Project(interpreter.ProjectInput{Expression: *expr, Item: toMini(it), Aliases: names})
	return fromMini(p), err
}

// keyEquals returns the value the key condition gives the partition key
// attr ("#shard = :shard AND ..."): the partition a Query reads.
var keyEqual = regexp.MustCompile(`([#\w]+)\s*=\s*(:\w+)`)

func (e env) keyEquals(expr, attr string) (string, error) {
	for _, m := range keyEqual.FindAllStringSubmatch(expr, -1) {
		if name, ok := e.names[m[1]]; m[1] == attr || (ok && name == attr) {
			if s, ok := scalarText(e.values[m[2]]); ok {
				return s, nil
			}
		}
	}
	return "", fmt.Errorf("dynamosim: key condition %q: no %s = :value", expr, attr)
}

func toMini(it item) map[string]*mtypes.Item {
	out := make(map[string]*mtypes.Item, len(it))
	for k, v := range it {
		out[k] = toMiniValue(v)
	}
	return out
}

func toMiniValue(v types.AttributeValue) *mtypes.Item {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return &mtypes.Item{S: &v.Value}
	case *types.AttributeValueMemberN:
		return &mtypes.Item{N: &v.Value}
	case *types.AttributeValueMemberB:
		return &mtypes.Item{B: v.Value}
	case *types.AttributeValueMemberBOOL:
		return &mtypes.Item{BOOL: &v.Value}
	case *types.AttributeValueMemberNULL:
		return &mtypes.Item{NULL: &v.Value}
	case *types.AttributeValueMemberL:
		l := make([]*mtypes.Item, len(v.Value))
		for i, e := range v.Value {
			l[i] = toMiniValue(e)
		}
		return &mtypes.Item{L: l}
	case *types.AttributeValueMemberM:
		return &mtypes.Item{M: toMini(v.Value)}
	case *types.AttributeValueMemberSS:
		return &mtypes.Item{SS: aws.StringSlice(v.Value)}
	case *types.AttributeValueMemberNS:
		return &mtypes.Item{NS: aws.StringSlice(v.Value)}
	case *types.AttributeValueMemberBS:
		return &mtypes.Item{BS: v.Value}
	}
	return &mtypes.Item{}
}

func fromMini(m map[string]*mtypes.Item) item {
	out := make(item, len(m))
	for k, v := range m {
		out[k] = fromMiniValue(v)
	}
	return out
}

func fromMiniValue(v *mtypes.Item) types.AttributeValue {
	switch {
	case v.S != nil:
		return &types.AttributeValueMemberS{Value: *v.S}
	case v.N != nil:
		return &types.AttributeValueMemberN{Value: *v.N}
	case v.B != nil:
		return &types.AttributeValueMemberB{Value: v.B}
	case v.BOOL != nil:
		return &types.AttributeValueMemberBOOL{Value: *v.BOOL}
	case v.NULL != nil:
		return &types.AttributeValueMemberNULL{Value: *v.NULL}
	case v.L != nil:
		l := make([]types.AttributeValue, len(v.L))
		for i, e := range v.L {
			l[i] = fromMiniValue(e)
		}
		return &types.AttributeValueMemberL{Value: l}
	case v.M != nil:
		return &types.AttributeValueMemberM{Value: fromMini(v.M)}
	case v.SS != nil:
		return &types.AttributeValueMemberSS{Value: aws.ToStringSlice(v.SS)}
	case v.NS != nil:
		return &types.AttributeValueMemberNS{Value: aws.ToStringSlice(v.NS)}
	}
	return &types.AttributeValueMemberBS{Value: v.BS}
}
