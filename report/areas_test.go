package report

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestDefaultAreas(t *testing.T) {
	areas := DefaultAreas()
	if len(areas) != 9 || areas[0].Code != "ward-1" || areas[7].Code != "ward-8" || areas[8].Code != "outside-dc" {
		t.Fatalf("areas = %+v", areas)
	}
	if got := AreaName(areas, "es", "ward-3"); got != "Distrito 3" {
		t.Errorf("es name = %q", got)
	}
	if got := AreaName(areas, "en", "outside-dc"); got != "Outside DC" {
		t.Errorf("en name = %q", got)
	}
	// The default list must pass the rules an operator's file is held to.
	if _, err := ParseAreas(mustJSON(t, areas)); err != nil {
		t.Errorf("default areas fail ParseAreas: %v", err)
	}
	areas[0].Names["en"] = "changed"
	if DefaultAreas()[0].Names["en"] != "Ward 1" {
		t.Error("DefaultAreas shares its maps")
	}
}

func TestAreaNameFallback(t *testing.T) {
	areas := []Area{{Code: "north", Names: map[string]string{"en": "North"}}}
	if got := AreaName(areas, "es", "north"); got != "North" {
		t.Errorf("missing Spanish should fall back to English, got %q", got)
	}
	if got := AreaName(areas, "en", "gone"); got != "gone" {
		t.Errorf("unknown code should show the code, got %q", got)
	}
}

func TestParseAreas(t *testing.T) {
	good := `[{"code":"north-1","names":{"en":" North ","es":"Norte"}},{"code":"south","names":{"en":"South"}}]`
	areas, err := ParseAreas([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	want := []Area{{Code: "north-1", Names: map[string]string{"en": "North", "es": "Norte"}}, {Code: "south", Names: map[string]string{"en": "South"}}}
	if !reflect.DeepEqual(areas, want) {
		t.Errorf("got %+v", areas)
	}

	var many strings.Builder
	many.WriteString("[")
	for i := 0; i < 501; i++ {
		if i > 0 {
			many.WriteString(",")
		}
		fmt.Fprintf(&many, `{"code":"a%d","names":{"en":"A"}}`, i)
	}
	many.WriteString("]")

	tests := []struct{ name, in, want string }{
		{"not JSON", `ward-1`, "must be a JSON array like"},
		{"object", `{"code":"a","names":{"en":"A"}}`, "must be a JSON array like"},
		{"unknown field", `[{"code":"a","name":"A"}]`, `unknown field "name"`},
		{"trailing", `[{"code":"a","names":{"en":"A"}}] []`, "something after the closing ]"},
		{"empty", `[]`, "lists no areas; add at least one"},
		{"null", `null`, "lists no areas"},
		{"too many", many.String(), "lists 501 areas; at most 500"},
		{"missing code", `[{"names":{"en":"A"}}]`, `area 1: "code" must be 1 to 40 characters`},
		{"uppercase code", `[{"code":"Ward-1","names":{"en":"A"}}]`, `area 1 ("Ward-1"): "code" must be 1 to 40 characters, each a lowercase letter a-z, a digit or "-"`},
		{"long code", `[{"code":"` + strings.Repeat("a", 41) + `","names":{"en":"A"}}]`, `area 1: "code" must be`},
		{"duplicate", `[{"code":"a","names":{"en":"A"}},{"code":"a","names":{"en":"B"}}]`, `area 2 ("a"): the code is already used by area 1`},
		{"no English", `[{"code":"a","names":{"es":"A"}}]`, `must have an "en" name`},
		{"null element", `[null]`, `area 1: "code"`},
		{"unknown language", `[{"code":"a","names":{"en":"A","sp":"B"}}]`, `language "sp"; use one of en, es`},
		{"blank name", `[{"code":"a","names":{"en":"A","es":"  "}}]`, `the "es" name is empty`},
		{"control characters", `[{"code":"a","names":{"en":"A\u0000"}}]`, "control or invisible characters"},
		{"long name", `[{"code":"a","names":{"en":"` + strings.Repeat("x", 101) + `"}}]`, "longer than 100 characters"},
		{"bad UTF-8", "[{\"code\":\"a\",\"names\":{\"en\":\"\xff\"}}]", "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			areas, err := ParseAreas([]byte(tt.in))
			if err == nil {
				t.Fatalf("accepted %+v", areas)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\ndoes not say %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "areas file: ") {
				t.Errorf("error %q does not say which file", err)
			}
		})
	}
}

func FuzzParseAreas(f *testing.F) {
	// Seeds live in testdata/fuzz/FuzzParseAreas.
	f.Fuzz(func(t *testing.T, data []byte) {
		areas, err := ParseAreas(data)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, a := range areas {
			if !validAreaCode(a.Code) || seen[a.Code] || a.Names["en"] == "" {
				t.Fatalf("accepted a bad area %+v", a)
			}
			seen[a.Code] = true
		}
		b, err := json.Marshal(areas)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseAreas(b)
		if err != nil || !reflect.DeepEqual(again, areas) {
			t.Fatalf("re-encoded areas: %v\n%+v\n%+v", err, areas, again)
		}
	})
}
