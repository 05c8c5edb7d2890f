package report

import (
	"slices"
	"strings"
	"testing"
)

func TestGeneratedTitleInEachLanguage(t *testing.T) {
	r := &Report{Kind: BadDate, BadDate: &BadDateFields{Common: Common{Area: "ward-6", Details: "Quillbrook"}, Harms: []string{"physical_violence", "robbery_theft"}}}
	if got := GeneratedTitle("en", r, DefaultAreas()); got != "Bad date: physical violence, robbery or theft (Ward 6)" {
		t.Errorf("en title = %q", got)
	}
	es := GeneratedTitle("es", r, DefaultAreas())
	if !strings.HasPrefix(es, KindLabel("es", BadDate)+": ") || !strings.Contains(es, strings.ToLower(OptionLabel("es", "harms", "robbery_theft"))) || es == GeneratedTitle("en", r, DefaultAreas()) {
		t.Errorf("es title = %q", es)
	}
}

func TestCleanDetails(t *testing.T) {
	long := strings.Repeat("x", 500)
	got, ok := CleanDetails(BadDate, []Detail{
		{Field: "vehicle_make", Text: "  <b>Honda</b>\n Civic "},
		{Field: "harms", Codes: []string{"robbery_theft", "robbery_theft"}},
		{Field: "hair", Text: long},
		{Field: "build", Codes: nil}, // nothing left: dropped
	})
	if !ok {
		t.Fatal("refused valid details")
	}
	want := []Detail{{Field: "harms", Codes: []string{"robbery_theft"}}, {Field: "hair", Text: strings.Repeat("x", detailTextMax-1) + "…"}, {Field: "vehicle_make", Text: "Honda Civic"}}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i].Field != want[i].Field || got[i].Text != want[i].Text || !slices.Equal(got[i].Codes, want[i].Codes) {
			t.Errorf("detail %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	for name, bad := range map[string][]Detail{
		"free text field":    {{Field: "details", Text: "my words"}},
		"identifier field":   {{Field: "plate", Text: "ABC123"}},
		"other kind's field": {{Field: "sold_as", Codes: []string{"heroin"}}},
		"unknown code":       {{Field: "harms", Codes: []string{"nope"}}},
		"two codes in enum":  {{Field: "build", Codes: []string{"slim", "heavy"}}},
	} {
		if _, ok := CleanDetails(BadDate, bad); ok {
			t.Errorf("%s accepted", name)
		}
	}
}

func TestMaskIdentifier(t *testing.T) {
	for _, c := range []struct{ typ, in, want string }{
		{IdentifierPhone, "+12025550177", "•••0177"},
		{IdentifierEmail, "jas_dc_22", "j•••"},
		{IdentifierEmail, "josé@example.org", "j•••"},
		{IdentifierPlate, "ABC1234", "•••34"},
		{IdentifierPlate, "AB", "•••"},
	} {
		if got := MaskIdentifier(c.typ, c.in); got != c.want {
			t.Errorf("MaskIdentifier(%s, %q) = %q, want %q", c.typ, c.in, got, c.want)
		}
	}
}

func TestReportIdentifiersFromFieldsTextAndFollowups(t *testing.T) {
	r := &Report{Kind: BadDate, BadDate: &BadDateFields{
		Common: Common{Details: "He texted from 202.555.0177, my Instagram is jas_dc_22. Also (202) 555-0147."},
		Phones: []string{"(202) 555-0147"}, Handles: []string{"@Mike_DC"}, Plate: "abc 1234",
	}, Followups: []Followup{{Text: "his other number is +1 202 555 0188 and @MIKE_dc"}}}
	fields, found := ReportIdentifiers("US", r)
	var f, x []string
	for _, i := range fields {
		f = append(f, i.Type+" "+i.Value)
	}
	for _, i := range found {
		x = append(x, i.Type+" "+i.Value)
	}
	if want := []string{"phone +12025550147", "email mike_dc", "plate ABC1234"}; !slices.Equal(f, want) {
		t.Errorf("from fields %q, want %q", f, want)
	}
	// Each once by normal form: the field's phone and handle are not listed again.
	if want := []string{"phone +12025550177", "email jas_dc_22", "phone +12025550188"}; !slices.Equal(x, want) {
		t.Errorf("found in text %q, want %q", x, want)
	}
	if n := len(IdentifierHMACs([]byte("k"), "US", r)); n != 6 {
		t.Errorf("%d HMACs, want 6", n)
	}
	if got := TextHMACs([]byte("k"), "US", "call 202-555-0188"); len(got) != 1 || got[0] != IdentifierHMAC([]byte("k"), IdentifierPhone, "+12025550188") {
		t.Errorf("TextHMACs = %v", got)
	}
}

func TestNormalizeIdentifierInRegion(t *testing.T) {
	for _, c := range []struct{ region, in, want string }{
		{"MX", "55 1234 5678", "+525512345678"},
		{"MX", "+1 202 555 0177", "+12025550177"},
		{"US", "202 555 0177", "+12025550177"},
		{"", "202 555 0177", "+12025550177"},
	} {
		if got, err := NormalizeIdentifierIn(c.region, IdentifierPhone, c.in); err != nil || got != c.want {
			t.Errorf("NormalizeIdentifierIn(%s, %q) = %q, %v; want %q", c.region, c.in, got, err, c.want)
		}
	}
}
