package publishing_test

import (
	"slices"
	"testing"

	"github.com/headsup/headsup/publishing"
	"github.com/headsup/headsup/report"
)

// TestApproveAndEditCarryDetailsAndTexts: the structured description and the text in each
// language survive an approval, an edit and a merge, and an identifier that is checkable but
// not public is kept only as its hash and a masked hint.
func TestApproveAndEditCarryDetailsAndTexts(t *testing.T) {
	e := newEnv(t)
	r := e.badDate()
	ch := change()
	ch.Details = []report.Detail{{Field: "harms", Codes: []string{"robbery_theft"}}, {Field: "vehicle_make", Text: "Honda"}}
	ch.Texts = []report.Translation{{Lang: "en", Title: "Robbery, Ward 8"}, {Lang: "es", Title: "Robo, Distrito 8", Body: "Un cliente robó."}}
	ch.Body = ""
	ids := []publishing.Identifier{
		{Type: report.IdentifierPhone, Value: "+12025550147", Checkable: true},
		{Type: report.IdentifierEmail, Value: "el_mike", Checkable: true, Public: true},
	}
	a, err := e.pub.Approve(e.ctx, "sam", r, ch, ids)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := e.store.Alert(e.ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored.Details) != 2 || stored.Details[1].Text != "Honda" || len(stored.Texts) != 2 {
		t.Fatalf("stored details %+v texts %+v", stored.Details, stored.Texts)
	}
	if title, body, lang := stored.TextIn("es"); title != "Robo, Distrito 8" || body != "Un cliente robó." || lang != "es" {
		t.Errorf("TextIn(es) = %q %q %q", title, body, lang)
	}
	phone, handle := stored.Identifiers[0], stored.Identifiers[1]
	if phone.Value != "" || phone.Hint != "•••0147" || phone.HMAC == "" || phone.Public {
		t.Errorf("checkable-only phone stored as %+v: want no value, a masked hint and its hash", phone)
	}
	if handle.Value != "el_mike" || !handle.Public || handle.HMAC == "" {
		t.Errorf("public handle stored as %+v", handle)
	}

	ch.Details = ch.Details[:1]
	ch.Texts = ch.Texts[1:]
	ch.Title, ch.Body = ch.Texts[0].Title, ch.Texts[0].Body
	edited, err := e.pub.Edit(e.ctx, "sam", a.ID, stored.Version, ch, false)
	if err != nil {
		t.Fatal(err)
	}
	if stored, err = e.store.Alert(e.ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if len(stored.Details) != 1 || len(stored.Texts) != 1 || stored.Texts[0].Lang != "es" || stored.Version != edited.Version {
		t.Errorf("after the edit: details %+v texts %+v", stored.Details, stored.Texts)
	}

	second := e.badDate()
	merged, err := e.pub.Merge(e.ctx, "sam", second, a.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if stored, err = e.store.Alert(e.ctx, merged.ID); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(stored.Details[0].Codes, []string{"robbery_theft"}) || len(stored.Texts) != 1 || stored.ReportCount != 2 {
		t.Errorf("after the merge: details %+v texts %+v count %d", stored.Details, stored.Texts, stored.ReportCount)
	}
}
