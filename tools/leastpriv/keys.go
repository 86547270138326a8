package leastpriv

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/example/orderflow/tools/assembly"
)

// KeyNeed is what a grant implies on a KMS key: writing to a resource
// encrypted with a customer managed key also needs the key. The code calls
// only the write (sns Publish); the template says whether, and with which
// key, the resource it is granted on is encrypted.
type KeyNeed struct {
	// For is the granted action that writes: "sns:Publish".
	For string
	// Resource is what it is granted on, as the template spells it.
	Resource any
	// Key is the key's ARN as a grant on it spells it:
	// {"Fn::GetAtt": [key, "Arn"]} for a key of the template, the property's
	// value for any other (an imported key ARN, a cross-stack reference).
	Key any
	// Actions are the KMS actions the write needs on Key.
	Actions []string
	// Platform is the platform reason of the write's grant ("async
	// on-failure destination ..."), "" when the write is the code's.
	Platform string
}

// encryptedWrite: writing with Action to a resource of Type whose
// KeyProperty names a customer managed key needs KeyActions on that key.
type encryptedWrite struct {
	Type, KeyProperty, Action string
	KeyActions                []string
}

// encryptedWrites, from the service guides: SNS ("Key management",
// publishing to an encrypted topic needs kms:GenerateDataKey* and
// kms:Decrypt on its key) and SQS ("Key management", a producer needs
// kms:GenerateDataKey and kms:Decrypt). The needs are the actions the
// services call (GenerateDataKey, Decrypt); a grant of kms:GenerateDataKey*,
// as the SNS guide and the CDK's key grants write it, allows them and is
// accepted on that key alone (see RoleGrants).
//
// An AWS managed key (alias/aws/sns, alias/aws/sqs) needs no grant: its key
// policy lets every principal of the account use it through the service.
var encryptedWrites = []encryptedWrite{
	{Type: "AWS::SNS::Topic", KeyProperty: "KmsMasterKeyId", Action: "sns:Publish", KeyActions: []string{"kms:Decrypt", "kms:GenerateDataKey"}},
	{Type: "AWS::SQS::Queue", KeyProperty: "KmsMasterKeyId", Action: "sqs:SendMessage", KeyActions: []string{"kms:Decrypt", "kms:GenerateDataKey"}},
}

// keyWildcards are the wildcard actions accepted on a key a KeyNeed names:
// CDK's key grants (IKey.grantEncrypt..., Topic.grantPublish) write
// kms:GenerateDataKey*, which also allows GenerateDataKeyPair and
// GenerateDataKeyWithoutPlaintext on that key; anywhere else it is a problem.
var keyWildcards = map[string]bool{"kms:generatedatakey*": true}

// keyNeeds returns the key needs of grants: for each grant of an
// encryptedWrites action on a resource of the template whose key property
// names a key that is not AWS managed.
func keyNeeds(grants []Grant, t *assembly.Template) []KeyNeed {
	typeOf := func(id string) string { return t.Resources[id].Type }
	var out []KeyNeed
	for _, gr := range grants {
		id := assembly.RefID(gr.Resource)
		if id == "" {
			continue
		}
		for _, w := range encryptedWrites {
			if typeOf(id) != w.Type || !strings.EqualFold(gr.Action, w.Action) {
				continue
			}
			key, ok := customerKey(t.Resources[id].Properties[w.KeyProperty], typeOf)
			if !ok {
				continue
			}
			kn := KeyNeed{For: w.Action, Resource: gr.Resource, Key: key, Actions: w.KeyActions, Platform: gr.Platform}
			if !slices.ContainsFunc(out, func(o KeyNeed) bool { return reflect.DeepEqual(o, kn) }) {
				out = append(out, kn)
			}
		}
	}
	return out
}

// customerKey returns the ARN (as a grant spells it) of the key a key
// property names, and false when there is none or it is AWS managed (an
// "alias/aws/..." name or ARN).
func customerKey(v any, typeOf func(string) string) (any, bool) {
	if v == nil {
		return nil, false
	}
	if id := assembly.RefID(v); id != "" && typeOf(id) == "AWS::KMS::Key" {
		return assembly.GetAttOf(id, "Arn"), true
	}
	if strings.Contains(Render(v), "alias/aws/") {
		return nil, false
	}
	return v, true
}

// keyPlatform marks as the platform's the KMS grants that a platform
// write's key need explains (sqs:SendMessage to an encrypted on-failure
// destination also needs its key), and returns the wildcard problems left:
// wildcard actions other than keyWildcards on a needed key.
func keyPlatform(g *Grants, wild []wildcard) {
	for i, gr := range g.Grants {
		for _, kn := range g.KeyNeeds {
			if kn.Platform != "" && reflect.DeepEqual(gr.Resource, kn.Key) && slices.ContainsFunc(kn.Actions, func(a string) bool { return matches(gr.Action, a) }) {
				g.Grants[i].Platform = "key of " + kn.Platform
			}
		}
	}
	for _, w := range wild {
		accepted := keyWildcards[strings.ToLower(w.action)]
		for _, r := range w.resources {
			accepted = accepted && slices.ContainsFunc(g.KeyNeeds, func(kn KeyNeed) bool { return reflect.DeepEqual(r, kn.Key) })
		}
		if !accepted {
			g.Problems = append(g.Problems, fmt.Sprintf("%s allows the wildcard action %q: name each action", w.where, w.action))
		}
	}
}

// wildcard is a statement's wildcard action, judged once key needs are known.
type wildcard struct {
	where, action string
	resources     []any
}
