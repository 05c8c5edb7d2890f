package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Area is a place reports and alerts are filed under. Codes are stable (they are stored and
// sent in pushes); names are per language and may change.
type Area struct {
	Code  string            `json:"code"`
	Names map[string]string `json:"names"`
}

// Limits of an areas file. 500 areas is far more than any form can show usefully, and a bound
// keeps a typo (a whole gazetteer pasted in) from making every page huge.
const (
	maxAreas        = 500
	maxAreaCode     = 40
	maxAreaName     = 100
	maxAreasFileLen = 1 << 20
)

// DefaultAreas is the built-in list: the eight wards of Washington, DC, and everywhere else.
func DefaultAreas() []Area {
	areas := make([]Area, 0, 9)
	for i := 1; i <= 8; i++ {
		areas = append(areas, Area{
			Code:  fmt.Sprintf("ward-%d", i),
			Names: map[string]string{"en": fmt.Sprintf("Ward %d", i), "es": fmt.Sprintf("Distrito %d", i)},
		})
	}
	return append(areas, Area{Code: "outside-dc", Names: map[string]string{"en": "Outside DC", "es": "Fuera de DC"}})
}

// ParseAreas reads the operator's areas file (HEADSUP_AREAS_FILE). It is strict, and its errors
// say what to fix, because the server refuses to start with a bad file rather than publish
// alerts under areas nobody can choose.
func ParseAreas(data []byte) ([]Area, error) {
	if len(data) > maxAreasFileLen {
		return nil, fmt.Errorf("areas file: it is %d bytes; at most %d are allowed", len(data), maxAreasFileLen)
	}
	if !utf8.Valid(data) {
		return nil, errors.New("areas file: it is not valid UTF-8; save it as UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var areas []Area
	if err := dec.Decode(&areas); err != nil {
		return nil, fmt.Errorf(`areas file: %v; it must be a JSON array like [{"code":"ward-1","names":{"en":"Ward 1","es":"Distrito 1"}}] with only "code" and "names" in each area`, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("areas file: there is something after the closing ]; remove it")
	}
	if len(areas) == 0 {
		return nil, errors.New("areas file: it lists no areas; add at least one")
	}
	if len(areas) > maxAreas {
		return nil, fmt.Errorf("areas file: it lists %d areas; at most %d are allowed", len(areas), maxAreas)
	}
	seen := make(map[string]int, len(areas))
	for i, a := range areas {
		where := fmt.Sprintf("areas file: area %d", i+1)
		if a.Code != "" && utf8.RuneCountInString(a.Code) <= maxAreaCode {
			where += fmt.Sprintf(" (%q)", a.Code)
		}
		if !validAreaCode(a.Code) {
			return nil, fmt.Errorf(`%s: "code" must be 1 to %d characters, each a lowercase letter a-z, a digit or "-"`, where, maxAreaCode)
		}
		if j, dup := seen[a.Code]; dup {
			return nil, fmt.Errorf("%s: the code is already used by area %d; codes must be unique", where, j+1)
		}
		seen[a.Code] = i
		if a.Names["en"] == "" {
			return nil, fmt.Errorf(`%s: "names" must have an "en" name; it is shown when no other language fits`, where)
		}
		for lang, name := range a.Names {
			if !supportedLanguage(lang) {
				return nil, fmt.Errorf("%s: names has language %q; use one of %s", where, lang, strings.Join(Languages, ", "))
			}
			clean, p := cleanText(name, false, maxAreaName)
			switch {
			case p.Code == ProblemTooLong:
				return nil, fmt.Errorf("%s: the %q name is longer than %d characters", where, lang, maxAreaName)
			case p.Code != "":
				return nil, fmt.Errorf("%s: the %q name has control or invisible characters; remove them", where, lang)
			case clean == "":
				return nil, fmt.Errorf("%s: the %q name is empty; write it or remove the language", where, lang)
			}
			a.Names[lang] = clean
		}
	}
	return areas, nil
}

func validAreaCode(code string) bool {
	if code == "" || len(code) > maxAreaCode {
		return false
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

func supportedLanguage(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// KnownArea reports whether code is one of the configured areas. Reports, the alert list, the
// public pages and the moderation forms all check with it, so all accept the same codes.
func KnownArea(areas []Area, code string) bool {
	for _, a := range areas {
		if a.Code == code {
			return true
		}
	}
	return false
}

// AreaName is the name of an area in lang, falling back to English and then to the code, so a
// page never shows an empty place where an area was.
func AreaName(areas []Area, lang, code string) string {
	for _, a := range areas {
		if a.Code != code {
			continue
		}
		if n := a.Names[lang]; n != "" {
			return n
		}
		if n := a.Names["en"]; n != "" {
			return n
		}
		break
	}
	return code
}
