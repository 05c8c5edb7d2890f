package report

import (
	"html"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/microcosm-cc/bluemonday"
	"github.com/nyaruka/phonenumbers"
)

// strict is shared: a bluemonday policy is safe for concurrent use once built.
var strict = bluemonday.StrictPolicy()

// maxSanitizeRounds bounds how many layers of entity encoding PlainText peels off. Real text has
// none or one; more is someone probing.
const maxSanitizeRounds = 8

// PlainText turns what a moderator typed into plain text: every tag and comment is dropped and
// entities are decoded, so the text is stored as the characters a reader sees and escaped once,
// where it is output (html/template, the Atom feed, JSON). Decoding could reveal a tag that an
// entity hid ("&lt;script&gt;"), so sanitising repeats until nothing changes; the result
// contains nothing bluemonday would still read as markup, even by a consumer that forgets to
// escape. Control characters other than newlines and tabs are dropped.
func PlainText(s string) string {
	s = plainRunes(s)
	for i := 0; ; i++ {
		// Dropping a control character can join "<" and a letter, and decoding "&#1;" can make
		// one, so runes are cleaned inside the loop: the fixed point is clean in both senses.
		next := plainRunes(html.UnescapeString(strict.Sanitize(s)))
		if next == s {
			break
		}
		s = next
		if i == maxSanitizeRounds {
			// Still changing: keep the words and drop every angle bracket rather than guess.
			s = strings.Map(func(r rune) rune {
				if r == '<' || r == '>' {
					return -1
				}
				return r
			}, s)
			break
		}
	}
	return strings.TrimSpace(s)
}

// plainRunes makes s valid UTF-8 with \n line ends and no control or invisible characters
// except newlines and tabs.
func plainRunes(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		if r == '\r' {
			return '\n'
		}
		if forbiddenRune(r, true) || r == utf8.RuneError {
			return -1
		}
		return r
	}, s)
}

// AlertText cleans a moderator's title and body with PlainText and checks their lengths. A
// title is one line: it becomes the headline of a push notification. Text is refused rather
// than cut when it is too long, so a moderator never publishes a sentence that ends mid-word.
func AlertText(title, body string) (string, string, *ValidationError) {
	e := &ValidationError{Code: CodeInvalidField}
	title = PlainText(title)
	body = PlainText(body)
	switch {
	case title == "":
		e.add("title", Problem{Code: ProblemRequired})
	case strings.ContainsAny(title, "\n\t"):
		e.add("title", Problem{Code: ProblemControlChars})
	case utf8.RuneCountInString(title) > MaxAlertTitle:
		e.add("title", Problem{Code: ProblemTooLong, Max: MaxAlertTitle})
	}
	switch {
	case body == "":
		e.add("body", Problem{Code: ProblemRequired})
	case utf8.RuneCountInString(body) > MaxAlertBody:
		e.add("body", Problem{Code: ProblemTooLong, Max: MaxAlertBody})
	}
	if e.orNil() != nil {
		return "", "", e
	}
	return title, body, nil
}

// Hint marks a stretch of a reporter's text that may identify someone, so a moderator looks at
// it before publishing. Offsets are in bytes of the text given to Hints.
type Hint struct {
	Kind  string `json:"kind"` // phone, email, url, address, name, handle, unit, place
	Start int    `json:"start"`
	End   int    `json:"end"`
	Text  string `json:"text"`
}

// Hint kinds.
const (
	HintPhone   = "phone"
	HintEmail   = "email"
	HintURL     = "url"
	HintAddress = "address"
	HintName    = "name"
	HintHandle  = "handle" // a social-media handle: "@jas_dc_22", "my Instagram is jasdc"
	HintUnit    = "unit"   // a flat or room number: "apt 4", "unit 12B", "#4"
	HintPlace   = "place"  // an intersection or where someone works: "corner of 14th and K"
)

// HintKinds lists every kind of hint, for pages that label them.
var HintKinds = []string{HintPhone, HintEmail, HintURL, HintAddress, HintName, HintHandle, HintUnit, HintPlace}

var (
	emailRe = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)
	urlRe   = regexp.MustCompile(`(?i)\b(?:https?://|www\.)[^\s<>"']+|\b[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)*\.(?:com|net|org|info|biz|io|me|co|app|link|ly|gg|tv|us|xyz)\b(?:/[^\s<>"']*)?`)
	// US numbers in their usual spellings, anything that starts with + and a country code, and
	// the Latin American groupings of two or three, four or five, and four digits.
	phoneRe = regexp.MustCompile(`(?:\+?1[\s.\-]?)?(?:\(\d{3}\)|\b\d{3})[\s.\-]?\d{3}[\s.\-]?\d{4}\b|\+\d{1,3}[\s.\-]?(?:\(?\d{1,4}\)?[\s.\-]?){1,4}\d{2,4}\b|\b\d{2,3}[\s.\-]\d{3,5}[\s.\-]\d{4}\b|\b\d{3}[\s.\-]\d{4}\b`)
	// A house number, up to four words, a street word, and a DC quadrant when there is one; or
	// a number and a quadrant alone ("1500 Massachusetts NW"). "Drive" and "Way" count only
	// capitalised: "20 minutes drive" is not an address.
	addressRe = regexp.MustCompile(`(?i)\b\d{1,6}\s+(?:[\p{L}0-9'.\-]+\s+){0,4}?(?:st|street|ave|av|avenue|rd|road|blvd|boulevard|dr|(?-i:Drive|Way)|ln|lane|pl|place|ct|court|ter|terrace|pkwy|parkway|hwy|highway|cir|circle|sq|square|aly|alley)\b\.?(?:,?\s+(?:nw|ne|sw|se)\b)?|\b\d{1,6}\s+(?:[\p{L}0-9'.\-]+\s+){1,3}?(?:nw|ne|sw|se)\b|(?i)\b(?:calle|avenida|avda\.?|carrera|paseo|camino|callejón|boulevard|bulevar)\s+(?:[\p{L}0-9'.\-]+\s+){0,4}?(?:(?:#|n[úu]m(?:ero)?\.?|no\.?)\s*)?\d{1,6}\b(?:\s*(?:#|n[úu]m(?:ero)?\.?|no\.?)\s*\d{1,6}\b)?`)
	// The phrase is matched case-insensitively, the name as written, up to three words; phrases
	// such as "call me" are left out, they are followed by "at", "back" or "later" too often.
	nameRe = regexp.MustCompile(`(?i:\b(?:my name is|my name's|my real name is|my working name is|i am called|i'm called|i go by|they call me|me llamo|mi nombre es|me dicen|me conocen como))\s+([\p{L}][\p{L}'\-]*(?:\s+\p{Lu}[\p{L}'\-]*){0,2})`)
	// An @handle not inside an email; the platform's name followed by "is", "es" or a colon and
	// the handle ("my Instagram is jas.dc", "mi insta: jasdc"). A bare "my Instagram got hacked"
	// is not a handle.
	atHandleRe    = regexp.MustCompile(`(?:^|[^\p{L}\p{N}_.@])(@[\p{L}\p{N}_.]{1,29}[\p{L}\p{N}_])`)
	namedHandleRe = regexp.MustCompile(`(?i:\b(?:instagram|insta|ig|snap|snapchat|tiktok|twitter|telegram|onlyfans|facebook|fb|kik|whatsapp|grindr|tinder|threads|bluesky|handle|username|user name|usuario|cuenta)(?:\s+(?:handle|account|name|username))?(?:\s+(?:is|was|es|era)\s*:?|\s*:)\s*)(@?[\p{L}\p{N}_.]{1,29}[\p{L}\p{N}_])`)
	// A flat, room or suite number, in English and Spanish, or "#" and a number alone.
	unitRe = regexp.MustCompile(`(?i:\b((?:apt|apartment|unit|suite|ste|room|rm|flat|apto|apartamento|depto|departamento|dpto|cuarto|habitaci[oó]n|cuarto)\.?\s*(?:#|no\.?|n[uú]m(?:ero)?\.?)?\s*\d{1,5}[a-z]?\b))|(?:^|[^\p{L}\p{N}&])(#\s?\d{1,5}[A-Za-z]?\b)`)
	// Intersections: "corner of 14th and K", "esquina de la 5 y Juárez", and a bare ordinal
	// street meeting a lettered one ("14th & K", "K and 14th St").
	cornerRe = regexp.MustCompile(`(?i:\b(?:(?:the\s+)?corner\s+of|esquina\s+(?:de\s+)?(?:la\s+|el\s+)?)\s*)[\p{L}\p{N}'.]+(?:\s+(?:st|street|ave|avenue|rd|road|calle|avenida))?\s+(?i:and|&|y|con)\s+(?:(?i:la|el)\s+)?[\p{L}\p{N}'.]*[\p{L}\p{N}](?:\s+(?i:st|street|ave|avenue|rd|road|nw|ne|sw|se)\b)?`)
	crossRe  = regexp.MustCompile(`\b\d{1,3}(?:st|nd|rd|th)(?:\s+(?i:st|street))?\s+(?:and|&)\s+\p{Lu}\b(?:\s+(?i:st|street)\b)?|\b\p{Lu}(?:\s+(?i:st|street))?\s+(?:and|&)\s+\d{1,3}(?:st|nd|rd|th)\b(?:\s+(?i:st|street)\b)?`)
	// Where someone works or stands most nights: "I work the corner most nights", "I work at
	// the Motel 6 on New York Ave", "trabajo en la 14 casi todas las noches", up to the end of
	// the clause.
	workRe = regexp.MustCompile(`(?i:\b(?:i\s+(?:usually\s+|always\s+|mostly\s+)?(?:work|stroll|stand|hang\s+out)|i'm\s+(?:usually\s+)?(?:at|on)|(?:siempre\s+|casi\s+siempre\s+)?(?:trabajo|paro|estoy)))\s+(?i:the|at|on|near|around|by|outside|off|in\s+front\s+of|en|por|cerca\s+de|frente\s+a|afuera\s+de)\b[^.;!?\n]{1,80}`)
)

// Hints finds phone numbers, emails, links, street addresses, self-introductions, social
// handles, flat numbers, intersections and workplaces in text, in English and Spanish.
// It is a help, not a guarantee: moderators still read every word. Overlapping matches are
// reduced to the one that starts first (and is longest), in the order the text reads.
func Hints(text string) []Hint {
	var hs []Hint
	add := func(kind string, re *regexp.Regexp, group int) {
		for _, m := range re.FindAllStringSubmatchIndex(text, -1) {
			start, end := m[2*group], m[2*group+1]
			if start < 0 {
				continue
			}
			if kind == HintPhone && !plausiblePhone(text[start:end]) {
				continue
			}
			hs = append(hs, Hint{Kind: kind, Start: start, End: end, Text: text[start:end]})
		}
	}
	// Emails before links, so "x@example.com" is one email and not also a link.
	add(HintEmail, emailRe, 0)
	add(HintURL, urlRe, 0)
	add(HintPhone, phoneRe, 0)
	add(HintAddress, addressRe, 0)
	add(HintName, nameRe, 1)
	add(HintHandle, atHandleRe, 1)
	add(HintHandle, namedHandleRe, 1)
	add(HintUnit, unitRe, 1)
	add(HintUnit, unitRe, 2)
	add(HintPlace, cornerRe, 0)
	add(HintPlace, crossRe, 0)
	add(HintPlace, workRe, 0)

	order := map[string]int{HintEmail: 0, HintURL: 1, HintAddress: 2, HintPlace: 3, HintPhone: 4, HintUnit: 5, HintHandle: 6, HintName: 7}
	sort.SliceStable(hs, func(i, j int) bool {
		if hs[i].Start != hs[j].Start {
			return hs[i].Start < hs[j].Start
		}
		if hs[i].End != hs[j].End {
			return hs[i].End > hs[j].End
		}
		return order[hs[i].Kind] < order[hs[j].Kind]
	})
	out := hs[:0]
	end := -1
	for _, h := range hs {
		if h.Start < end {
			continue
		}
		out = append(out, h)
		end = h.End
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func plausiblePhone(s string) bool {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n >= 7 && n <= 15
}

// Identifier types accepted by /check.
const (
	IdentifierPhone = "phone"
	IdentifierPlate = "plate"
	IdentifierEmail = "email"
)

// DefaultPhoneRegion is the country phone numbers without a country code belong to when the
// organisation configured none (config.PhoneRegion's default).
const DefaultPhoneRegion = "US"

// NormalizeIdentifier is NormalizeIdentifierIn for DefaultPhoneRegion.
func NormalizeIdentifier(typ, value string) (string, error) {
	return NormalizeIdentifierIn(DefaultPhoneRegion, typ, value)
}

// NormalizeIdentifierIn brings a phone number, plate or email/handle into the one form under
// which it is stored and looked up, so "(202) 555-0100" finds "+1 202 555 0100". It is the only
// normaliser: intake, the moderator's approval and /check all call it with the organisation's
// region. Every type is first made canonical (invisible characters removed, NFKC; emails and
// handles also case-folded), so a handle's NFD, full-width, upper-case and zero-width variants
// meet. Phone numbers become E.164 ("+12025550100"), numbers without a country code taken to be
// in region (ISO 3166 alpha-2; empty is DefaultPhoneRegion). Errors are *ValidationError about
// the field "value" (or "type"), with messages in both languages.
func NormalizeIdentifierIn(region, typ, value string) (string, error) {
	bad := func(field, code string) error {
		return &ValidationError{Code: CodeInvalidField, Fields: map[string]Problem{field: {Code: code}}}
	}
	var code string
	switch typ {
	case IdentifierPhone:
		code = ProblemBadPhone
	case IdentifierPlate:
		code = ProblemBadPlate
	case IdentifierEmail:
		code = ProblemBadHandle
	default:
		return "", bad("type", ProblemUnknownOption)
	}
	if !utf8.ValidString(value) {
		return "", bad("value", ProblemInvalidUTF8)
	}
	value = canonicalText(value, typ == IdentifierEmail)
	if value == "" {
		return "", bad("value", ProblemRequired)
	}
	if len(value) > 200 { // longer than any real identifier; no need to look closer
		return "", bad("value", code)
	}
	switch typ {
	case IdentifierPhone:
		e164, ok := phoneE164(region, value)
		if !ok {
			return "", bad("value", ProblemBadPhone)
		}
		return e164, nil
	case IdentifierPlate:
		var b strings.Builder
		for _, r := range strings.ToUpper(value) {
			switch {
			case (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9'):
				b.WriteRune(r)
			case r == ' ' || r == '-' || r == '.' || r == '·':
			default:
				return "", bad("value", ProblemBadPlate)
			}
		}
		p := b.String()
		if len(p) < 2 || len(p) > 10 {
			return "", bad("value", ProblemBadPlate)
		}
		return p, nil
	case IdentifierEmail:
		v := value // case-folded by canonicalText
		if !strings.Contains(v, "@") || strings.HasPrefix(v, "@") {
			v = strings.TrimPrefix(v, "@") // "@name" is a handle; the @ is decoration
		}
		if v == "" || utf8.RuneCountInString(v) > 100 || strings.Count(v, "@") > 1 || strings.HasSuffix(v, "@") {
			return "", bad("value", ProblemBadHandle)
		}
		for _, r := range v {
			if unicode.IsSpace(r) || forbiddenRune(r, false) || r == utf8.RuneError {
				return "", bad("value", ProblemBadHandle)
			}
		}
		return v, nil
	}
	return "", bad("type", ProblemUnknownOption)
}

// phoneE164 reads value (already canonical) as a phone number in region and returns its E.164
// form. Only digits and the separators people write are accepted: phonenumbers would also read
// letters ("202-CALL-NOW") as digits, and such a number is not one a person can check. Numbers
// that are possible only when dialled locally (seven digits in the US) are kept too, in the
// region's country code, because that is often all a reporter has.
func phoneE164(region, value string) (string, bool) {
	digits := 0
	for _, r := range value {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(" +-.()/", r):
		default:
			return "", false
		}
	}
	if digits < 7 || digits > 15 {
		return "", false
	}
	if region == "" {
		region = DefaultPhoneRegion
	}
	n, err := phonenumbers.Parse(value, strings.ToUpper(region))
	if err != nil {
		return "", false
	}
	switch phonenumbers.IsPossibleNumberWithReason(n) {
	case phonenumbers.IS_POSSIBLE, phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
		return phonenumbers.Format(n, phonenumbers.E164), true
	}
	return "", false
}
