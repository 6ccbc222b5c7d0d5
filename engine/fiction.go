package engine

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// fictionRange is one block of numbers a regulator reserves for drama, films and
// examples (policies/fiction/data.yaml): no subscriber holds them, so a one-time code
// sent there reaches no one, or whoever a typo or a film put there.
type fictionRange struct {
	Numbers   []string `json:"numbers"` // E.164 with X for any digit: +447700900XXX
	Label     string   `json:"label"`
	Regulator string   `json:"regulator"`
	Sources   []string `json:"sources"`
	url       string   // the first source's URL, for the caller
}

// fictionRanges are the reserved blocks, by the length of their numbers.
type fictionRanges struct {
	byLength map[int][]fictionBlock
}

// fictionBlock is one pattern of a range.
type fictionBlock struct {
	pattern string
	rng     *fictionRange
}

// newFictionRanges reads the fiction data document (already checked by its schema and
// checkFiction).
func newFictionRanges(doc any) (*fictionRanges, error) {
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	var data struct {
		Sources map[string]struct {
			URL string `json:"url"`
		} `json:"sources"`
		Ranges []fictionRange `json:"ranges"`
	}
	if err := json.Unmarshal(raw, &data); err != nil {
		return nil, fmt.Errorf("reading the numbers reserved for fiction: %w", err)
	}
	fr := &fictionRanges{byLength: map[int][]fictionBlock{}}
	for i := range data.Ranges {
		r := &data.Ranges[i]
		if len(r.Sources) > 0 {
			r.url = data.Sources[r.Sources[0]].URL
		}
		for _, n := range r.Numbers {
			fr.byLength[len(n)] = append(fr.byLength[len(n)], fictionBlock{pattern: n, rng: r})
		}
	}
	return fr, nil
}

// match finds the reserved block an E.164 number is in; nil when it is in none (or
// there are no blocks).
func (fr *fictionRanges) match(e164 string) *fictionRange {
	if fr == nil {
		return nil
	}
	for _, b := range fr.byLength[len(e164)] {
		if matchesBlock(b.pattern, e164) {
			return b.rng
		}
	}
	return nil
}

func matchesBlock(pattern, e164 string) bool {
	for i := 0; i < len(pattern); i++ {
		if pattern[i] != 'X' && pattern[i] != e164[i] {
			return false
		}
	}
	return true
}

// policyValue is what the policy is told of a number in a reserved range.
func (r *fictionRange) policyValue() map[string]any {
	return map[string]any{"label": r.Label, "regulator": r.Regulator, "source": r.url}
}

// fictionBlockForm is the form fiction.schema.json demands of a block.
var fictionBlockForm = regexp.MustCompile(`^\+[1-9][0-9X]{3,14}$`)

// checkFiction validates what fiction/data.yaml's schema cannot: every block is as
// long as a number of its country code can be (a digit too many or too few would match
// nothing), no block is listed twice, and every source is defined and cited.
func checkFiction(f *yamlFile, v any) Diagnostics {
	var ds Diagnostics
	root, _ := v.(map[string]any)
	sources := asMap(root["sources"])
	cited := map[string]bool{}
	seen := map[string]string{}
	ranges, _ := root["ranges"].([]any)
	for i, r := range ranges {
		at := []string{"ranges", strconv.Itoa(i)}
		numbers, _ := asMap(r)["numbers"].([]any)
		for j, n := range numbers {
			p := []string{"ranges", strconv.Itoa(i), "numbers", strconv.Itoa(j)}
			block, _ := n.(string)
			if !fictionBlockForm.MatchString(block) {
				continue // the schema reports it
			}
			if prev, dup := seen[block]; dup {
				ds = append(ds, f.atPath(p, fmt.Sprintf("%s: %s is listed twice (also in %s), expected each block once", dotted(p), block, prev)))
			}
			seen[block] = dotted(p)
			if num, err := phonenumbers.Parse(strings.ReplaceAll(block, "X", "0"), ""); err != nil || phonenumbers.IsPossibleNumberWithReason(num) != phonenumbers.IS_POSSIBLE {
				ds = append(ds, f.atPath(p, fmt.Sprintf("%s: %s is not as long as a number of its country code can be, expected a whole number in E.164 form with X for any digit, e.g. +447700900XXX", dotted(p), block)))
			}
		}
		list, _ := asMap(r)["sources"].([]any)
		for j, s := range list {
			id, _ := s.(string)
			cited[id] = true
			if _, ok := sources[id]; !ok {
				p := append(at, "sources", strconv.Itoa(j))
				ds = append(ds, f.atPath(p, fmt.Sprintf("%s: source %q is not defined, expected one of: %s", dotted(p), id, strings.Join(sortedKeys(sources), ", "))))
			}
		}
	}
	for _, id := range sortedKeys(sources) {
		if !cited[id] {
			ds = append(ds, f.atKey([]string{"sources", id}, fmt.Sprintf("sources.%s is not cited by any range, expected every source to back a range (or remove it)", id)))
		}
	}
	return ds
}
