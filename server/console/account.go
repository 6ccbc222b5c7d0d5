package console

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// accountData is what the account-action form needs of the policy data
// (policies/account/data.yaml, POST /v1/data/account): the actions, and the account
// details the steps ask for.
type accountData struct {
	Result struct {
		Steps map[string]struct {
			Fields []struct {
				Name    string   `json:"name"`
				Message fileText `json:"message"`
			} `json:"fields"`
		} `json:"steps"`
		Actions map[string]any `json:"actions"`
	} `json:"result"`
}

// accountActionForm makes the account-action form: the request schema's members, with
// the action chosen from those the data defines and a text input per account detail a
// step asks for. It answers the page itself (nil form) when the data cannot be read.
func (c *Console) accountActionForm(w http.ResponseWriter, r *http.Request, v *visit, s *schema) *form {
	a := c.call(r, v, http.MethodPost, "/v1/data/account", nil)
	if !a.OK() {
		c.failAPI(w, r, v, a)
		return nil
	}
	var data accountData
	if err := a.decode(&data); err != nil {
		c.fail(w, r, v, http.StatusBadGateway, err.Error())
		return nil
	}
	var actions []option
	for name := range data.Result.Actions {
		actions = append(actions, option{Value: name, Label: words(name)})
	}
	slices.SortFunc(actions, func(a, b option) int { return strings.Compare(a.Value, b.Value) })
	details := &node{Pointer: "/account/details", Label: "Account details", Control: ctlGroup}
	stepNames := make([]string, 0, len(data.Result.Steps))
	for name := range data.Result.Steps {
		stepNames = append(stepNames, name)
	}
	slices.Sort(stepNames)
	for _, step := range stepNames {
		for _, fl := range data.Result.Steps[step].Fields {
			details.Children = append(details.Children, &node{Pointer: "/account/details/" + fl.Name, Label: label(fl.Name), Hint: fl.Message.in(v.lang), Control: ctlText})
		}
	}
	preset := ""
	if len(actions) > 0 {
		preset = actions[0].Value
		for _, o := range actions {
			if o.Value == "purchase_number" {
				preset = o.Value // the action most forms start from
			}
		}
	}
	fm := formMaker{custom: map[string]func() *node{
		"/action": func() *node {
			return &node{Pointer: "/action", Label: "Action", Control: ctlSelect, Options: actions, Value: preset,
				Hint: "An action of the account policy data."}
		},
		"/account/details": func() *node {
			if len(details.Children) == 0 {
				return nil
			}
			return details
		},
	}}
	return newForm(fm.make(s))
}

// fileText is a text of the policy data as it is written there: a plain English string,
// or the English beside its translations, each a string or {text, reviewed}
// (docs/translations.md).
type fileText map[string]string

func (t *fileText) UnmarshalJSON(b []byte) error {
	var plain string
	if json.Unmarshal(b, &plain) == nil {
		*t = fileText{"en": plain}
		return nil
	}
	var byLang map[string]json.RawMessage
	if err := json.Unmarshal(b, &byLang); err != nil {
		return err
	}
	*t = fileText{}
	for lang, raw := range byLang {
		var text struct {
			Text string `json:"text"`
		}
		if json.Unmarshal(raw, &plain) == nil {
			(*t)[lang] = plain
		} else if json.Unmarshal(raw, &text) == nil {
			(*t)[lang] = text.Text
		}
	}
	return nil
}

// in is the text in lang, or in English where it has no translation.
func (t fileText) in(lang string) string {
	if s := t[lang]; s != "" {
		return s
	}
	return t["en"]
}
