package assembly

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestResolve resolves against a deployment: physical IDs, parameter
// values and outputs as tools/deploylocal reads them from the emulator.
func TestResolve(t *testing.T) {
	stateful := &Stack{Name: "App-Stateful"}
	service := &Stack{Name: "App-Service"}
	physical := map[string]string{"Fn": "App-Service-Fn-XYZ", "Queue": "https://sqs.eu-west-3.amazonaws.com/123456789012/q"}
	params := map[string]string{"BootstrapVersion": "30"}
	outputs := map[string]map[string]string{stateful.Name: {"TableName": "Orders-ABC"}}
	r := &Resolver{Region: "eu-west-3", Account: "123456789012",
		Ref: func(st *Stack, name string) (any, error) {
			if v, ok := params[name]; ok {
				return v, nil
			}
			if p, ok := physical[name]; ok {
				return p, nil
			}
			return nil, fmt.Errorf("{\"Ref\": %q}: no such parameter or deployed resource in %s", name, st.Name)
		},
		GetAtt: func(st *Stack, id, attr string) (any, error) {
			if id == "Fn" && attr == "Arn" {
				return "arn:aws:lambda:eu-west-3:123456789012:function:" + physical[id], nil
			}
			return "", fmt.Errorf("no attribute %s.%s", id, attr)
		},
		StackOutput: func(stack, output string) (any, error) {
			v, ok := outputs[stack][output]
			if !ok {
				return nil, fmt.Errorf("stack %s has no output %s", stack, output)
			}
			return v, nil
		},
		ImportValue: func(name string) (any, error) { return "imported-" + name, nil },
	}
	tests := []struct {
		name    string
		in      string // JSON
		want    string // JSON
		wantErr string
	}{
		{name: "plain values stay", in: `{"A":[1,"x",true]}`, want: `{"A":[1,"x",true]}`},
		{name: "pseudo parameters", in: `[{"Ref":"AWS::Region"},{"Ref":"AWS::AccountId"},{"Ref":"AWS::Partition"},{"Ref":"AWS::StackName"}]`,
			want: `["eu-west-3","123456789012","aws","App-Service"]`},
		{name: "a resource's physical ID", in: `{"Ref":"Fn"}`, want: `"App-Service-Fn-XYZ"`},
		{name: "a parameter", in: `{"Ref":"BootstrapVersion"}`, want: `"30"`},
		{name: "no such resource", in: `{"Ref":"Nope"}`, wantErr: `{"Ref": "Nope"}: no such parameter or deployed resource in App-Service`},
		{name: "GetAtt, list form", in: `{"Fn::GetAtt":["Fn","Arn"]}`, want: `"arn:aws:lambda:eu-west-3:123456789012:function:App-Service-Fn-XYZ"`},
		{name: "GetAtt, dotted form", in: `{"Fn::GetAtt":"Fn.Arn"}`, want: `"arn:aws:lambda:eu-west-3:123456789012:function:App-Service-Fn-XYZ"`},
		{name: "Join", in: `{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":s3:::",{"Ref":"Fn"},"/*"]]}`, want: `"arn:aws:s3:::App-Service-Fn-XYZ/*"`},
		{name: "Sub with variables, attributes and a literal", in: `{"Fn::Sub":"cdk-${AWS::AccountId}-${AWS::Region}/${Fn.Arn}/${!Literal}"}`,
			want: `"cdk-123456789012-eu-west-3/arn:aws:lambda:eu-west-3:123456789012:function:App-Service-Fn-XYZ/${Literal}"`},
		{name: "Sub with a map", in: `{"Fn::Sub":["${Name}-x",{"Name":{"Ref":"Fn"}}]}`, want: `"App-Service-Fn-XYZ-x"`},
		{name: "Select and Split", in: `{"Fn::Select":[1,{"Fn::Split":["/",{"Ref":"Queue"}]}]}`, want: `""`},
		{name: "Select last of Split", in: `{"Fn::Select":[4,{"Fn::Split":["/",{"Ref":"Queue"}]}]}`, want: `"q"`},
		{name: "GetStackOutput of this region", in: `{"Fn::GetStackOutput":{"StackName":"App-Stateful","OutputName":"TableName","Region":{"Ref":"AWS::Region"}}}`,
			want: `"Orders-ABC"`},
		{name: "GetStackOutput of another region", in: `{"Fn::GetStackOutput":{"StackName":"App-Stateful","OutputName":"TableName","Region":"us-east-1"}}`,
			wantErr: "in region us-east-1, but the stacks were deployed to eu-west-3"},
		{name: "GetStackOutput of a missing output", in: `{"Fn::GetStackOutput":{"StackName":"App-Stateful","OutputName":"Nope"}}`,
			wantErr: "stack App-Stateful has no output Nope"},
		{name: "ImportValue", in: `{"Fn::ImportValue":"Shared"}`, want: `"imported-Shared"`},
		{name: "NoValue leaves the key out", in: `{"A":{"Ref":"AWS::NoValue"},"B":[1,{"Ref":"AWS::NoValue"}]}`, want: `{"B":[1]}`},
		{name: "an attribute the read-back does not know", in: `{"Fn::GetAtt":["Queue","Nope"]}`, wantErr: "no attribute Queue.Nope"},
		{name: "unsupported intrinsic", in: `{"Fn::If":["C","a","b"]}`, wantErr: "Fn::If is not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in any
			if err := json.Unmarshal([]byte(tt.in), &in); err != nil {
				t.Fatal(err)
			}
			got, err := r.Resolve(service, in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var want any
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %#v, want %#v", got, want)
			}
		})
	}
}

func TestRefID(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"Ref": "Queue"}`, "Queue"},
		{`{"Fn::GetAtt": ["Queue", "Arn"]}`, "Queue"},
		{`{"Fn::GetAtt": "Queue.Arn"}`, "Queue"},
		{`{"Fn::Join": ["", ["arn:aws:lambda:", {"Ref": "AWS::Region"}, ":", {"Fn::GetAtt": ["Fn", "Arn"]}]]}`, "AWS::Region"},
		{`{"Fn::Join": ["", ["arn:", {"Fn::GetAtt": ["Fn", "Arn"]}]]}`, "Fn"},
		{`{"Fn::Sub": "${Fn.Arn}"}`, ""},
		{`"plain"`, ""},
	}
	for _, tt := range tests {
		var v any
		if err := json.Unmarshal([]byte(tt.in), &v); err != nil {
			t.Fatal(err)
		}
		if got := RefID(v); got != tt.want {
			t.Errorf("RefID(%s): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTargets(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"ref", `{"Ref": "Queue"}`, []string{"Queue"}},
		{"alias name out of its ARN", `{"Fn::Join": ["", [{"Fn::Select": [6, {"Fn::Split": [":", {"Ref": "Alias"}]}]}, ":live"]]}`, []string{"Alias"}},
		{"several, once each, in order", `{"Fn::Join": ["", [{"Ref": "AWS::Region"}, {"Fn::GetAtt": ["Fn", "Arn"]}, {"Ref": "AWS::Region"}]]}`, []string{"AWS::Region", "Fn"}},
		{"map keys sorted", `{"b": {"Ref": "B"}, "a": {"Ref": "A"}}`, []string{"A", "B"}},
		{"none", `"plain"`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v any
			if err := json.Unmarshal([]byte(tt.in), &v); err != nil {
				t.Fatal(err)
			}
			if got := Targets(v); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
