package engine_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/numgate/numgate/engine"
)

// A snapshot is loaded once and then answers decisions; here a German local number for a
// business that has given only some of what the regulator demands.
func Example() {
	snap, err := engine.Load(context.Background(), engine.Config{
		Countries: engine.Tree{FS: os.DirFS("../countries"), Name: "countries"},
		Policies:  engine.Tree{FS: os.DirFS("../policies"), Name: "policies"},
		Clock:     func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		fmt.Println(err) // every problem, as file:line:column: message
		return
	}
	d, err := activate(context.Background(), snap, []byte(`{
		"number": {"e164": "+4930901820", "type": "local"},
		"identity": {"use": "business", "fields": {"company_name": "Analytical GmbH"}}
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.Status, d.Allow, d.NextStep.Code)
	for _, r := range d.Requirements[:2] {
		fmt.Println(r.ID, r.Code, r.Pointer != "")
	}
	// Output:
	// incomplete false complete_fields
	// field.company_name ok false
	// field.company_registration_number field_missing true
}
