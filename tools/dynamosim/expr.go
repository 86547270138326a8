package dynamosim

import (
	"bytes"
	"fmt"
	"math/big"
	"strings"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// This file parses and evaluates the subset of DynamoDB's expression
// language that condition, key condition and update expressions of this
// project use. Anything outside it is an error, never a silent
// misreading:
//
//	condition  := or
//	or         := and {"OR" and}
//	and        := not {"AND" not}
//	not        := "NOT" not | "(" condition ")" | function | operand comparator operand
//	            | operand "BETWEEN" operand "AND" operand
//	function   := ("attribute_exists" | "attribute_not_exists") "(" name ")"
//	            | "begins_with" "(" operand "," operand ")"
//	comparator := "=" | "<>" | "<" | "<=" | ">" | ">="
//	operand    := name | value
//	name       := "#" word | word          (top-level attributes only)
//	value      := ":" word
//	update     := {("SET" set {"," set}) | ("REMOVE" name {"," name})}
//	set        := name "=" (operand | "if_not_exists" "(" name "," operand ")")

// token is one lexeme of an expression.
type token struct {
	kind string // "word", "#", ":", "op", "(", ")", ","
	text string
}

func lex(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case c == '(' || c == ')' || c == ',':
			out = append(out, token{kind: string(c), text: string(c)})
			i++
		case c == '=':
			out = append(out, token{kind: "op", text: "="})
			i++
		case c == '<' || c == '>':
			op := string(c)
			if i+1 < len(s) && (s[i+1] == '=' || (c == '<' && s[i+1] == '>')) {
				op += string(s[i+1])
			}
			out = append(out, token{kind: "op", text: op})
			i += len(op)
		case c == '#' || c == ':':
			j := i + 1
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			if j == i+1 {
				return nil, fmt.Errorf("empty %c name at %d in %q", c, i, s)
			}
			out = append(out, token{kind: string(c), text: s[i:j]})
			i = j
		case isWordByte(c):
			j := i
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			out = append(out, token{kind: "word", text: s[i:j]})
			i = j
		default:
			return nil, fmt.Errorf("unsupported character %q at %d in %q", c, i, s)
		}
	}
	return out, nil
}

func isWordByte(c byte) bool {
	return c == '_' || c == '-' || unicode.IsLetter(rune(c)) || unicode.IsDigit(rune(c))
}

// operand is an attribute name (name, resolved through
// ExpressionAttributeNames when it starts with '#') or a value placeholder.
type operand struct {
	name  string // "#status" or "status"
	value string // ":pending"
}

// cond is a parsed condition.
type cond struct {
	op       string // "and", "or", "not", "cmp", "between", "exists", "not_exists", "begins_with"
	cmp      string
	kids     []*cond
	operands []operand
}

type parser struct {
	toks []token
	i    int
	src  string
}

func (p *parser) peek() token {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return token{}
}

func (p *parser) keyword(w string) bool {
	t := p.peek()
	if t.kind == "word" && strings.EqualFold(t.text, w) {
		p.i++
		return true
	}
	return false
}

func (p *parser) expect(kind string) error {
	if p.peek().kind != kind {
		return fmt.Errorf("expected %q at token %d of %q", kind, p.i, p.src)
	}
	p.i++
	return nil
}

func parseCondition(s string) (*cond, error) {
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, src: s}
	c, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i != len(p.toks) {
		return nil, fmt.Errorf("unexpected %q at token %d of %q", p.peek().text, p.i, s)
	}
	return c, nil
}

func (p *parser) or() (*cond, error) {
	c, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.keyword("OR") {
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		c = &cond{op: "or", kids: []*cond{c, r}}
	}
	return c, nil
}

func (p *parser) and() (*cond, error) {
	c, err := p.not()
	if err != nil {
		return nil, err
	}
	for p.keyword("AND") {
		r, err := p.not()
		if err != nil {
			return nil, err
		}
		c = &cond{op: "and", kids: []*cond{c, r}}
	}
	return c, nil
}

func (p *parser) not() (*cond, error) {
	if p.keyword("NOT") {
		c, err := p.not()
		if err != nil {
			return nil, err
		}
		return &cond{op: "not", kids: []*cond{c}}, nil
	}
	if p.peek().kind == "(" {
		p.i++
		c, err := p.or()
		if err != nil {
			return nil, err
		}
		return c, p.expect(")")
	}
	if t := p.peek(); t.kind == "word" && p.i+1 < len(p.toks) && p.toks[p.i+1].kind == "(" {
		fn := strings.ToLower(t.text)
		p.i += 2
		var args []operand
		for {
			o, err := p.operand()
			if err != nil {
				return nil, err
			}
			args = append(args, o)
			if p.peek().kind != "," {
				break
			}
			p.i++
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		switch {
		case fn == "attribute_exists" && len(args) == 1 && args[0].name != "":
			return &cond{op: "exists", operands: args}, nil
		case fn == "attribute_not_exists" && len(args) == 1 && args[0].name != "":
			return &cond{op: "not_exists", operands: args}, nil
		case fn == "begins_with" && len(args) == 2:
			return &cond{op: "begins_with", operands: args}, nil
		}
		return nil, fmt.Errorf("unsupported function %s/%d in %q", t.text, len(args), p.src)
	}
	left, err := p.operand()
	if err != nil {
		return nil, err
	}
	if p.keyword("BETWEEN") {
		lo, err := p.operand()
		if err != nil {
			return nil, err
		}
		if !p.keyword("AND") {
			return nil, fmt.Errorf("BETWEEN without AND in %q", p.src)
		}
		hi, err := p.operand()
		if err != nil {
			return nil, err
		}
		return &cond{op: "between", operands: []operand{left, lo, hi}}, nil
	}
	t := p.peek()
	if t.kind != "op" {
		return nil, fmt.Errorf("expected a comparator after %v at token %d of %q", left, p.i, p.src)
	}
	p.i++
	right, err := p.operand()
	if err != nil {
		return nil, err
	}
	return &cond{op: "cmp", cmp: t.text, operands: []operand{left, right}}, nil
}

func (p *parser) operand() (operand, error) {
	t := p.peek()
	switch t.kind {
	case "#", "word":
		p.i++
		return operand{name: t.text}, nil
	case ":":
		p.i++
		return operand{value: t.text}, nil
	}
	return operand{}, fmt.Errorf("expected a name or a value at token %d of %q", p.i, p.src)
}

// update is a parsed update expression.
type update struct {
	set    []setAction
	remove []operand
}

type setAction struct {
	target      operand
	value       operand
	ifNotExists bool // value applies only when target is absent
}

func parseUpdate(s string) (*update, error) {
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, src: s}
	u := &update{}
	for p.i < len(p.toks) {
		switch {
		case p.keyword("SET"):
			for {
				target, err := p.operand()
				if err != nil || target.name == "" {
					return nil, fmt.Errorf("SET needs a name at token %d of %q", p.i, s)
				}
				if t := p.peek(); t.kind != "op" || t.text != "=" {
					return nil, fmt.Errorf("SET %s needs '=' in %q", target.name, s)
				}
				p.i++
				a := setAction{target: target}
				if p.keyword("if_not_exists") {
					if err := p.expect("("); err != nil {
						return nil, err
					}
					same, err := p.operand()
					if err != nil || same.name == "" || same.name != target.name {
						return nil, fmt.Errorf("if_not_exists must name the attribute it sets in %q", s)
					}
					if err := p.expect(","); err != nil {
						return nil, err
					}
					if a.value, err = p.operand(); err != nil {
						return nil, err
					}
					if err := p.expect(")"); err != nil {
						return nil, err
					}
					a.ifNotExists = true
				} else if a.value, err = p.operand(); err != nil {
					return nil, err
				}
				u.set = append(u.set, a)
				if p.peek().kind != "," {
					break
				}
				p.i++
			}
		case p.keyword("REMOVE"):
			for {
				o, err := p.operand()
				if err != nil || o.name == "" {
					return nil, fmt.Errorf("REMOVE needs a name at token %d of %q", p.i, s)
				}
				u.remove = append(u.remove, o)
				if p.peek().kind != "," {
					break
				}
				p.i++
			}
		default:
			return nil, fmt.Errorf("unsupported clause %q in %q (SET and REMOVE only)", p.peek().text, s)
		}
	}
	return u, nil
}

// env resolves placeholders of one request.
type env struct {
	names  map[string]string
	values map[string]types.AttributeValue
}

func (e env) attr(o operand) (string, error) {
	if strings.HasPrefix(o.name, "#") {
		n, ok := e.names[o.name]
		if !ok {
			return "", fmt.Errorf("ExpressionAttributeNames has no %s", o.name)
		}
		return n, nil
	}
	return o.name, nil
}

// resolve returns the value of an operand on item (nil when absent).
func (e env) resolve(o operand, item map[string]types.AttributeValue) (types.AttributeValue, error) {
	if o.value != "" {
		v, ok := e.values[o.value]
		if !ok {
			return nil, fmt.Errorf("ExpressionAttributeValues has no %s", o.value)
		}
		return v, nil
	}
	n, err := e.attr(o)
	if err != nil {
		return nil, err
	}
	return item[n], nil
}

// eval evaluates c on item (nil item: no item).
func (e env) eval(c *cond, item map[string]types.AttributeValue) (bool, error) {
	switch c.op {
	case "and", "or":
		l, err := e.eval(c.kids[0], item)
		if err != nil {
			return false, err
		}
		if (c.op == "and" && !l) || (c.op == "or" && l) {
			return l, nil
		}
		return e.eval(c.kids[1], item)
	case "not":
		v, err := e.eval(c.kids[0], item)
		return !v, err
	case "exists", "not_exists":
		n, err := e.attr(c.operands[0])
		if err != nil {
			return false, err
		}
		_, ok := item[n]
		return ok == (c.op == "exists"), nil
	}
	vals := make([]types.AttributeValue, len(c.operands))
	for i, o := range c.operands {
		v, err := e.resolve(o, item)
		if err != nil {
			return false, err
		}
		vals[i] = v
	}
	switch c.op {
	case "begins_with":
		a, okA := vals[0].(*types.AttributeValueMemberS)
		b, okB := vals[1].(*types.AttributeValueMemberS)
		return okA && okB && strings.HasPrefix(a.Value, b.Value), nil
	case "between":
		lo, ok1 := compare(vals[0], vals[1])
		hi, ok2 := compare(vals[0], vals[2])
		return ok1 && ok2 && lo >= 0 && hi <= 0, nil
	}
	r, ok := compare(vals[0], vals[1])
	if !ok {
		// Different types or a missing attribute: only <> holds (DynamoDB).
		return c.cmp == "<>" && !(vals[0] == nil && vals[1] == nil), nil
	}
	switch c.cmp {
	case "=":
		return r == 0, nil
	case "<>":
		return r != 0, nil
	case "<":
		return r < 0, nil
	case "<=":
		return r <= 0, nil
	case ">":
		return r > 0, nil
	case ">=":
		return r >= 0, nil
	}
	return false, fmt.Errorf("unsupported comparator %q", c.cmp)
}

// compare orders two scalar values of the same type: strings and binaries
// by bytes, numbers numerically. ok is false when the types differ or a
// value is missing or not a scalar.
func compare(a, b types.AttributeValue) (int, bool) {
	switch x := a.(type) {
	case *types.AttributeValueMemberS:
		if y, ok := b.(*types.AttributeValueMemberS); ok {
			return strings.Compare(x.Value, y.Value), true
		}
	case *types.AttributeValueMemberN:
		if y, ok := b.(*types.AttributeValueMemberN); ok {
			fx, okx := new(big.Float).SetString(x.Value)
			fy, oky := new(big.Float).SetString(y.Value)
			if okx && oky {
				return fx.Cmp(fy), true
			}
		}
	case *types.AttributeValueMemberB:
		if y, ok := b.(*types.AttributeValueMemberB); ok {
			return bytes.Compare(x.Value, y.Value), true
		}
	}
	return 0, false
}
