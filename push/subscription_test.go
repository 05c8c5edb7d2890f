package push

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/headsup/headsup/report"
)

// validInput is a subscription that passes validation, for tests to change one thing in.
func validInput(t *testing.T) SubscriptionInput {
	t.Helper()
	var in SubscriptionInput
	body := `{"endpoint":"https://fcm.googleapis.com/fcm/send/abc","keys":{"p256dh":"BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4","auth":"BTBZMqHH6r4Tts7J_aSIgg"},"kinds":["bad_date"],"areas":["ward-1"],"min_severity":"warning","discreet":true,"lang":"es"}`
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		t.Fatal(err)
	}
	return in
}

// Choosing every area, each once, is a valid choice; one more than exist repeats one.
func TestValidateAcceptsEveryAreaOnce(t *testing.T) {
	areas := report.DefaultAreas()
	s := New(Options{Services: []string{"fcm.googleapis.com"}, Areas: areas})
	in := validInput(t)
	in.Areas = nil
	for _, a := range areas {
		in.Areas = append(in.Areas, a.Code)
	}
	if sub, err := s.validate(in, true); err != nil || len(sub.Areas) != len(areas) {
		t.Fatalf("every area once: %v", err)
	}
	in.Areas = append(in.Areas, areas[0].Code)
	var verr *ValidationError
	if _, err := s.validate(in, true); !errors.As(err, &verr) || verr.Fields["areas"] != problemDuplicate {
		t.Fatalf("one area twice: %v", err)
	}
}

// A language is one of report.Languages, the default when left out.
func TestValidateLanguage(t *testing.T) {
	s := New(Options{Services: []string{"fcm.googleapis.com"}, Areas: report.DefaultAreas()})
	in := validInput(t)
	in.Lang = ""
	if sub, err := s.validate(in, true); err != nil || sub.Lang != report.Languages[0] {
		t.Fatalf("no language: %+v %v, want %q", sub, err, report.Languages[0])
	}
	in.Lang = "xx"
	var verr *ValidationError
	if _, err := s.validate(in, true); !errors.As(err, &verr) || verr.Fields["lang"] != problemUnknownOption {
		t.Fatalf("unknown language: %v", err)
	}
}

// A ValidationError names every field with its problem, in a stable order, and says in the
// reader's language what to fix (English unless Spanish is asked for).
func TestValidationErrorSaysWhatToFix(t *testing.T) {
	e := &ValidationError{Fields: map[string]string{"keys.auth": problemBadAuth, "endpoint": problemNotHTTPS}}
	if got, want := e.Error(), "push: invalid subscription: endpoint: not_https; keys.auth: bad_auth"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	for lang, want := range map[string]string{
		"es": "El endpoint debe ser una URL https.",
		"en": "The endpoint must be an https URL.",
		"fr": "The endpoint must be an https URL.",
	} {
		if got := e.Messages(lang); got["endpoint"] != want || len(got) != 2 || got["keys.auth"] == "" {
			t.Errorf("Messages(%q) = %v", lang, got)
		}
	}
}
