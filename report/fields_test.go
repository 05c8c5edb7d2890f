package report

import (
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestSchemaMatchesStructs keeps the schema (forms, validation, /meta) and the stored structs
// from drifting: same names in the same order, json and bson tags alike, omitempty exactly on
// the optional fields, and Go types that fit the field types.
func TestSchemaMatchesStructs(t *testing.T) {
	for _, tc := range []struct {
		kind Kind
		typ  reflect.Type
	}{
		{BadDate, reflect.TypeFor[BadDateFields]()},
		{DrugAlert, reflect.TypeFor[DrugAlertFields]()},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			type tagged struct {
				name, json, bson string
				typ              reflect.Type
			}
			var fields []tagged
			var walk func(reflect.Type)
			walk = func(rt reflect.Type) {
				for i := 0; i < rt.NumField(); i++ {
					sf := rt.Field(i)
					if sf.Anonymous {
						if sf.Tag.Get("bson") != ",inline" {
							t.Errorf("%s is embedded without bson:\",inline\"", sf.Name)
						}
						walk(sf.Type)
						continue
					}
					fields = append(fields, tagged{sf.Name, sf.Tag.Get("json"), sf.Tag.Get("bson"), sf.Type})
				}
			}
			walk(tc.typ)
			schema := Schema(tc.kind)
			if len(schema) != len(fields) {
				t.Fatalf("schema has %d fields, struct %d", len(schema), len(fields))
			}
			snake := regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
			for i, f := range schema {
				sf := fields[i]
				if !snake.MatchString(f.Name) {
					t.Errorf("%q is not snake_case", f.Name)
				}
				want := f.Name
				if !f.Required {
					want += ",omitempty"
				}
				if sf.json != want || sf.bson != want {
					t.Errorf("field %d %s: json %q bson %q, want %q", i, sf.name, sf.json, sf.bson, want)
				}
				wantType := reflect.TypeFor[string]()
				if f.Type == TypeMulti || f.Type == TypeList {
					wantType = reflect.TypeFor[[]string]()
				}
				if sf.typ != wantType {
					t.Errorf("%s is %v, want %v for a %s field", sf.name, sf.typ, wantType, f.Type)
				}
				switch f.Type {
				case TypeEnum, TypeMulti:
					if len(f.Options) == 0 {
						t.Errorf("%s has no options", f.Name)
					}
					seen := map[string]bool{}
					for _, o := range f.Options {
						if seen[o] || !snake.MatchString(o) && !regexp.MustCompile(`^[0-9a-z_]+$`).MatchString(o) {
							t.Errorf("%s: option %q repeated or not a code", f.Name, o)
						}
						seen[o] = true
					}
				default:
					if len(f.Options) != 0 {
						t.Errorf("%s: options on a %s field", f.Name, f.Type)
					}
				}
				if (f.Type == TypeText || f.Type == TypeTextarea || f.Type == TypeList) && f.MaxLength == 0 {
					t.Errorf("%s has no length limit", f.Name)
				}
				if (f.Type == TypeList || f.Type == TypeMulti) != (f.MaxItems > 0) {
					t.Errorf("%s: max items %d on a %s field", f.Name, f.MaxItems, f.Type)
				}
			}
		})
	}
}

func TestSchemaIsACopy(t *testing.T) {
	s := Schema(BadDate)
	s[0].Required = false
	for i := range s {
		if s[i].Name == "harms" {
			s[i].Options[0] = "changed"
		}
	}
	again := Schema(BadDate)
	if !again[0].Required {
		t.Error("changing a returned schema changed the rules")
	}
	if f, _ := lookupField(BadDate, "harms"); f.Options[0] != "physical_violence" {
		t.Error("changing returned options changed the rules")
	}
	if Schema("nope") != nil {
		t.Error("unknown kind has a schema")
	}
}

func TestSchemaLimitsFromDesign(t *testing.T) {
	want := map[string]Field{
		"details":  {Type: TypeTextarea, Required: true, MaxLength: 4000},
		"date":     {Type: TypeDate, Required: true},
		"area":     {Type: TypeArea, Required: true},
		"location": {Type: TypeText, MaxLength: 200},
		"phones":   {Type: TypeList, MaxLength: 40, MaxItems: 5},
		"handles":  {Type: TypeList, MaxLength: 100, MaxItems: 5},
		"features": {Type: TypeTextarea, MaxLength: 1000},
		"plate":    {Type: TypeText, MaxLength: 15},
		"harms":    {Type: TypeMulti, Required: true},
		"sold_as":  {Type: TypeEnum, Required: true},
	}
	for name, w := range want {
		f, ok := anyField(name)
		if !ok {
			t.Errorf("%s missing", name)
			continue
		}
		if f.Type != w.Type || f.Required != w.Required || (w.MaxLength > 0 && f.MaxLength != w.MaxLength) || (w.MaxItems > 0 && f.MaxItems != w.MaxItems) {
			t.Errorf("%s = %+v, want %+v", name, f, w)
		}
	}
	if n := len(Schema(BadDate)[0:5]); n != 5 || Schema(DrugAlert)[4].Name != "details" {
		t.Error("both kinds start with the common fields")
	}
}

// TestValidSeedsDecode makes sure the fuzz corpus really holds an accepted report of each kind,
// so the fuzzer starts from the interesting side of validation.
func TestValidSeedsDecode(t *testing.T) {
	for _, name := range []string{"valid_bad_date", "valid_drug_alert", "whitespace_and_nfc"} {
		data, err := os.ReadFile("testdata/fuzz/FuzzDecode/" + name)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		kind, err1 := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "string("), ")"))
		raw, err2 := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[2], "[]byte("), ")"))
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v %v", name, err1, err2)
		}
		if _, err := Decode(kind, []byte(raw), DefaultAreas(), testNow); err != nil {
			t.Errorf("%s refused: %v", name, err)
		}
	}
}
