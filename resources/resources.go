// Package resources is "help nearby": the organisation running the service (name, contact,
// drop-in hours) and the crisis lines, clinics, naloxone and drug-checking sites, legal aid
// and the like it points people to. An operator lists them in a JSON file
// (HEADSUP_RESOURCES_FILE); the public pages show them in the reader's language next to every
// alert, on the receipt and on the printed sheet. The file is read once at start and checked
// strictly, because a wrong phone number on a crisis line is worse than none.
package resources

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/mail"
	"net/url"
	"os"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/headsup/headsup/report"
)

// Text is one human text in every language of the site, keyed by language code ("en", "es").
type Text map[string]string

// In returns the text in lang, or in the first language that has it.
func (t Text) In(lang string) string {
	if s := t[lang]; s != "" {
		return s
	}
	for _, l := range report.Languages {
		if s := t[l]; s != "" {
			return s
		}
	}
	return ""
}

// Organisation is who runs the service and how to reach them in person or by phone.
type Organisation struct {
	Name    Text   `json:"name"`
	Phone   string `json:"phone,omitempty"`
	Text    string `json:"text,omitempty"` // a number that takes text messages
	Email   string `json:"email,omitempty"`
	URL     string `json:"url,omitempty"`
	Address Text   `json:"address,omitempty"`
	Hours   Text   `json:"hours,omitempty"` // drop-in hours, in words
}

// Resource is one place or line to turn to.
type Resource struct {
	Category string `json:"category"`
	Name     Text   `json:"name"`
	Phone    string `json:"phone,omitempty"`
	Text     string `json:"text,omitempty"`
	URL      string `json:"url,omitempty"`
	Address  Text   `json:"address,omitempty"`
	Hours    Text   `json:"hours,omitempty"`
	Note     Text   `json:"note,omitempty"`
}

// Categories are the kinds of resource a file may list, in the order pages show them: the
// ones for an emergency first.
var Categories = []string{
	"emergency", "crisis_line", "support_line", "naloxone", "drug_checking", "syringe_services",
	"clinic", "legal_aid", "shelter", "food", "other",
}

// Set is the loaded file: what every public page shows.
type Set struct {
	Organisation *Organisation
	Resources    []Resource
	// Default is true when no file was given: pages then tell readers to ask the organisation
	// that gave them the address, since the service knows no local help of its own.
	Default bool
}

// Limits of a resources file. A help block lists a handful of places; the bounds keep a
// pasted directory from making every alert page heavy.
const (
	maxFileLen   = 256 << 10
	maxResources = 40
	maxName      = 100
	maxLine      = 200 // an address or the hours
	maxNote      = 300
	maxURL       = 300
	maxEmail     = 254
)

// File is the JSON form of a resources file.
type file struct {
	Organisation json.RawMessage   `json:"organisation"`
	Resources    []json.RawMessage `json:"resources"`
}

// Load reads the operator's resources file; an empty path gives Default(region).
func Load(path, region string) (*Set, error) {
	if path == "" {
		return Default(region), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("HEADSUP_RESOURCES_FILE: %w", err)
	}
	s, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("HEADSUP_RESOURCES_FILE %s: %w", path, err)
	}
	return s, nil
}

// emergencyNumbers are countries (HEADSUP_PHONE_REGION) whose general emergency number is 911.
var emergency911 = []string{"US", "CA", "MX"}

// Default is what pages show without a resources file. It names no local service (the
// software cannot know one, and a made-up number would be dangerous); only the general
// emergency number, where the phone region says it is 911, and it says plainly that the
// police may come, since many readers have reasons to weigh that.
func Default(region string) *Set {
	s := &Set{Default: true}
	if slices.Contains(emergency911, strings.ToUpper(region)) {
		s.Resources = []Resource{{
			Category: "emergency",
			Name:     Text{"en": "Emergency (ambulance, fire, police)", "es": "Emergencias (ambulancia, bomberos, policía)"},
			Phone:    "911",
			Note: Text{
				"en": "An ambulance may come with the police.",
				"es": "Con la ambulancia puede venir la policía.",
			},
		}}
	}
	return s
}

// Parse reads and checks a resources file. Its errors say which entry and field is wrong and
// how to fix it, because the server refuses to start with a bad file.
func Parse(data []byte) (*Set, error) {
	if len(data) > maxFileLen {
		return nil, fmt.Errorf("resources file: it is %d bytes; at most %d are allowed", len(data), maxFileLen)
	}
	if !utf8.Valid(data) {
		return nil, errors.New("resources file: it is not valid UTF-8; save it as UTF-8")
	}
	var f file
	if err := strictDecode(data, &f); err != nil {
		return nil, fmt.Errorf(`resources file: %v; it must be a JSON object like {"organisation":{"name":{"en":"…","es":"…"}},"resources":[…]} with only "organisation" and "resources"`, err)
	}
	s := &Set{}
	if len(f.Organisation) > 0 && string(f.Organisation) != "null" {
		var o Organisation
		if err := strictDecode(f.Organisation, &o); err != nil {
			return nil, fmt.Errorf(`resources file: organisation: %v; it may have "name", "phone", "text", "email", "url", "address" and "hours"`, err)
		}
		if err := checkOrganisation(&o); err != nil {
			return nil, fmt.Errorf("resources file: organisation: %w", err)
		}
		s.Organisation = &o
	}
	if len(f.Resources) > maxResources {
		return nil, fmt.Errorf("resources file: it lists %d resources; at most %d are allowed", len(f.Resources), maxResources)
	}
	for i, raw := range f.Resources {
		where := fmt.Sprintf("resources file: resource %d", i+1)
		var r Resource
		if err := strictDecode(raw, &r); err != nil {
			return nil, fmt.Errorf(`%s: %v; a resource may have "category", "name", "phone", "text", "url", "address", "hours" and "note"`, where, err)
		}
		if en := r.Name["en"]; en != "" && utf8.RuneCountInString(en) <= maxName {
			where += fmt.Sprintf(" (%q)", en)
		}
		if err := checkResource(&r); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		s.Resources = append(s.Resources, r)
	}
	if s.Organisation == nil && len(s.Resources) == 0 {
		return nil, errors.New(`resources file: it has neither an organisation nor any resources; add one, or unset HEADSUP_RESOURCES_FILE for the built-in default`)
	}
	// Emergency and crisis lines first, whatever order the file used; the file's order within
	// a category stands.
	slices.SortStableFunc(s.Resources, func(a, b Resource) int {
		return slices.Index(Categories, a.Category) - slices.Index(Categories, b.Category)
	})
	return s, nil
}

// strictDecode decodes one JSON value, refusing unknown keys and anything after it.
func strictDecode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("there is something after the end of the value; remove it")
	}
	return nil
}

func checkOrganisation(o *Organisation) error {
	var err error
	if o.Name, err = checkText("name", o.Name, maxName, true); err != nil {
		return err
	}
	if o.Address, err = checkText("address", o.Address, maxLine, false); err != nil {
		return err
	}
	if o.Hours, err = checkText("hours", o.Hours, maxLine, false); err != nil {
		return err
	}
	if err := checkContact(&o.Phone, &o.Text, &o.URL); err != nil {
		return err
	}
	if o.Email != "" {
		a, err := mail.ParseAddress(o.Email)
		if err != nil || a.Address != o.Email || a.Name != "" || len(o.Email) > maxEmail {
			return fmt.Errorf(`"email" %q is not a plain email address like help@example.org`, o.Email)
		}
	}
	return nil
}

func checkResource(r *Resource) error {
	if !slices.Contains(Categories, r.Category) {
		return fmt.Errorf(`"category" %q is not one of %s`, r.Category, strings.Join(Categories, ", "))
	}
	var err error
	if r.Name, err = checkText("name", r.Name, maxName, true); err != nil {
		return err
	}
	if r.Address, err = checkText("address", r.Address, maxLine, false); err != nil {
		return err
	}
	if r.Hours, err = checkText("hours", r.Hours, maxLine, false); err != nil {
		return err
	}
	if r.Note, err = checkText("note", r.Note, maxNote, false); err != nil {
		return err
	}
	if err := checkContact(&r.Phone, &r.Text, &r.URL); err != nil {
		return err
	}
	if r.Phone == "" && r.Text == "" && r.URL == "" && len(r.Address) == 0 {
		return errors.New(`it has no way to reach it; give at least one of "phone", "text", "url" or "address"`)
	}
	return nil
}

// checkText checks a text given in every language of the site.
func checkText(field string, t Text, max int, required bool) (Text, error) {
	if len(t) == 0 {
		if required {
			return nil, fmt.Errorf(`%q is missing; give it in every language, like {"en":"…","es":"…"}`, field)
		}
		return nil, nil
	}
	out := Text{}
	for lang, s := range t {
		if !slices.Contains(report.Languages, lang) {
			return nil, fmt.Errorf("%q has language %q; use %s", field, lang, strings.Join(report.Languages, " and "))
		}
		clean := strings.Join(strings.Fields(s), " ")
		switch {
		case clean == "":
			return nil, fmt.Errorf("%q in %q is empty; write it or remove the language", field, lang)
		case utf8.RuneCountInString(clean) > max:
			return nil, fmt.Errorf("%q in %q is longer than %d characters; shorten it", field, lang, max)
		case strings.ContainsFunc(clean, invisible):
			return nil, fmt.Errorf("%q in %q has control or invisible characters; remove them", field, lang)
		case report.PlainText(clean) != clean:
			return nil, fmt.Errorf("%q in %q has markup (like < or &); write plain text", field, lang)
		}
		out[lang] = clean
	}
	for _, lang := range report.Languages {
		if out[lang] == "" {
			return nil, fmt.Errorf(`%q has no %q text; every text is shown in each language of the site (%s)`, field, lang, strings.Join(report.Languages, ", "))
		}
	}
	return out, nil
}

func invisible(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
}

// checkContact checks and tidies the phone, text-message number and web address.
func checkContact(phone, text, link *string) error {
	for _, p := range []struct {
		field string
		v     *string
	}{{"phone", phone}, {"text", text}} {
		if *p.v == "" {
			continue
		}
		v := strings.Join(strings.Fields(*p.v), " ")
		if !ValidPhone(v) {
			return fmt.Errorf(`%q %q is not a phone number; write it as people dial it, with digits, spaces, "+", "-", "." or brackets, like "+1 202-555-0100" or "988"`, p.field, *p.v)
		}
		*p.v = v
	}
	if *link != "" {
		u, err := url.Parse(*link)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
			len(*link) > maxURL || strings.ContainsFunc(*link, unicode.IsSpace) {
			return fmt.Errorf(`"url" %q is not a web address; write it in full, like https://example.org/clinic (at most %d characters)`, *link, maxURL)
		}
	}
	return nil
}

// ValidPhone reports whether s reads as a phone number: 3 to 15 digits (a short code like 988
// up to the longest international number), with only the characters people write between them.
func ValidPhone(s string) bool {
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0:
		case strings.ContainsRune(" -.()", r):
		default:
			return false
		}
	}
	return digits >= 3 && digits <= 15
}

// Dial is a tel: or sms: URI for a number checked by ValidPhone: the digits, and a leading +.
func Dial(scheme, number string) string {
	var b strings.Builder
	b.WriteString(scheme + ":")
	for i, r := range number {
		if (r >= '0' && r <= '9') || (r == '+' && i == 0) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Entry is an organisation or a resource in one language, ready for a page: empty fields are
// not shown.
type Entry struct {
	Category string
	Name     string
	Phone    string
	PhoneURI template.URL // tel:…, from a checked number
	Text     string
	TextURI  template.URL // sms:…
	Email    string
	URL      string
	Address  string
	Hours    string
	Note     string
}

// View is a Set in one language.
type View struct {
	Organisation *Entry
	Resources    []Entry
	Default      bool
}

// In renders the set in lang.
func (s *Set) In(lang string) View {
	v := View{Default: s.Default}
	if o := s.Organisation; o != nil {
		v.Organisation = &Entry{Name: o.Name.In(lang), Email: o.Email, URL: o.URL,
			Address: o.Address.In(lang), Hours: o.Hours.In(lang)}
		v.Organisation.setNumbers(o.Phone, o.Text)
	}
	for _, r := range s.Resources {
		e := Entry{Category: r.Category, Name: r.Name.In(lang), URL: r.URL, Address: r.Address.In(lang),
			Hours: r.Hours.In(lang), Note: r.Note.In(lang)}
		e.setNumbers(r.Phone, r.Text)
		v.Resources = append(v.Resources, e)
	}
	return v
}

func (e *Entry) setNumbers(phone, text string) {
	if phone != "" {
		// The number passed ValidPhone: digits and a leading + only reach the URI.
		e.Phone, e.PhoneURI = phone, template.URL(Dial("tel", phone))
	}
	if text != "" {
		e.Text, e.TextURI = text, template.URL(Dial("sms", text))
	}
}
