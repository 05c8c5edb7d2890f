package report

import (
	"errors"
	"html"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/headsup/headsup/internal/testkit"
)

var owaspVectors = testkit.XSSVectors

var tagLike = regexp.MustCompile(`<[A-Za-z!?]|</[A-Za-z]`)

func TestPlainTextOWASP(t *testing.T) {
	for _, v := range owaspVectors {
		got := PlainText(v)
		if tagLike.MatchString(got) {
			t.Errorf("PlainText(%.60q) = %q still reads as markup", v, got)
		}
		if strings.Contains(html.EscapeString(got), "<") {
			t.Errorf("escaped output of %.60q holds <", v)
		}
		if PlainText(got) != got {
			t.Errorf("PlainText is not stable on %q", got)
		}
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{`<script>alert(1)</script>`, ""},
		{`<b>Pressed</b> "M30" pills — <i>test them</i>`, `Pressed "M30" pills — test them`},
		{"AT&T phone, 5 < 6 > 2", "AT&T phone, 5 < 6 > 2"},
		{"Tom &amp; Jerry&#39;s", "Tom & Jerry's"},
		{"  line one\r\nline two\x00\u202e  ", "line one\nline two"},
		{"<p>one</p><p>two</p>", "onetwo"},
	}
	for _, tt := range tests {
		if got := PlainText(tt.in); got != tt.want {
			t.Errorf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAlertText(t *testing.T) {
	title, body, verr := AlertText(" <b>Bad batch</b> in Ward 8 ", "Purple powder &amp; pills.\r\nCarry naloxone.")
	if verr != nil || title != "Bad batch in Ward 8" || body != "Purple powder & pills.\nCarry naloxone." {
		t.Fatalf("got %q %q %v", title, body, verr)
	}
	tests := []struct {
		name, title, body, field, problem, en, es string
	}{
		{"empty title", "<script>x</script>", "b", "title", ProblemRequired, "Write a title.", "Escribe un título."},
		{"empty body", "t", " ", "body", ProblemRequired, "Write the text of the alert.", "Escribe el texto de la alerta."},
		{"long title", strings.Repeat("é", 121), "b", "title", ProblemTooLong, "Use at most 120 characters, on one line.", "Usa como máximo 120 caracteres, en una sola línea."},
		{"two-line title", "a\nb", "b", "title", ProblemControlChars, "Remove line breaks and special or invisible characters from the title.", "Quita los saltos de línea y los caracteres especiales o invisibles del título."},
		{"long body", "t", strings.Repeat("a", 2001), "body", ProblemTooLong, "Use at most 2000 characters.", "Usa como máximo 2000 caracteres."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, verr := AlertText(tt.title, tt.body)
			if verr == nil || verr.Fields[tt.field].Code != tt.problem {
				t.Fatalf("got %v, want %s on %s", verr, tt.problem, tt.field)
			}
			if m := verr.Messages("en")[tt.field]; m != tt.en {
				t.Errorf("en = %q", m)
			}
			if m := verr.Messages("es")[tt.field]; m != tt.es {
				t.Errorf("es = %q", m)
			}
		})
	}
}

func FuzzPlainText(f *testing.F) {
	for _, v := range owaspVectors {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := PlainText(s)
		if !utf8.ValidString(got) || tagLike.MatchString(got) {
			t.Fatalf("PlainText(%q) = %q", s, got)
		}
		if again := PlainText(got); again != got {
			t.Fatalf("PlainText is not stable: %q -> %q -> %q", s, got, again)
		}
	})
}

func TestHints(t *testing.T) {
	type h struct{ kind, text string }
	tests := []struct {
		in   string
		want []h
	}{
		{"He called from (202) 555-0100 twice", []h{{HintPhone, "(202) 555-0100"}}},
		{"number +1 202.555.0199 or 2025550142", []h{{HintPhone, "+1 202.555.0199"}, {HintPhone, "2025550142"}}},
		{"his UK number +44 20 7946 0958", []h{{HintPhone, "+44 20 7946 0958"}}},
		{"text 555-0199 after 9", []h{{HintPhone, "555-0199"}}},
		{"su cel es 55-1234-9876 o 55 12345 9876", []h{{HintPhone, "55-1234-9876"}, {HintPhone, "55 12345 9876"}}},
		{"write to John.Doe+x@example.co.uk now", []h{{HintEmail, "John.Doe+x@example.co.uk"}}},
		{"ad at https://example.com/ad?id=3, also www.example.org", []h{{HintURL, "https://example.com/ad?id=3,"}, {HintURL, "www.example.org"}}},
		{"found him on skipthegames.com", []h{{HintURL, "skipthegames.com"}}},
		{"outside 1500 Massachusetts Ave NW by the bus stop", []h{{HintAddress, "1500 Massachusetts Ave NW"}}},
		{"at 800 K St. NE.", []h{{HintAddress, "800 K St. NE"}}},
		{"near 1500 Massachusetts NW", []h{{HintAddress, "1500 Massachusetts NW"}}},
		{"en la calle Mayor 12, cerca del parque", []h{{HintAddress, "calle Mayor 12"}}},
		{"vivo en Calle 5 # 23", []h{{HintAddress, "Calle 5 # 23"}}},
		{"Hi, my name is Maria and I work on 14th", []h{{HintName, "Maria"}, {HintPlace, "I work on 14th"}}},
		// Handles: an @name, or a platform with "is"/"es"/":" and the name.
		{"My Instagram @jas_dc_22, DM me", []h{{HintHandle, "@jas_dc_22"}}},
		{"my Instagram is jas.dc22.", []h{{HintHandle, "jas.dc22"}}},
		{"mi insta: la_jas", []h{{HintHandle, "la_jas"}}},
		{"su usuario es @el_mike", []h{{HintHandle, "@el_mike"}}},
		{"write to jas@example.com", []h{{HintEmail, "jas@example.com"}}},
		// Flat and room numbers.
		{"I live in apt 4 upstairs", []h{{HintUnit, "apt 4"}}},
		{"unit 12B, by the stairs", []h{{HintUnit, "unit 12B"}}},
		{"he came to #4 twice", []h{{HintUnit, "#4"}}},
		{"vivo en el depto. 3", []h{{HintUnit, "depto. 3"}}},
		{"Room #212 at the motel", []h{{HintUnit, "Room #212"}}},
		// Intersections and workplaces.
		{"I work the corner of 14th and K most nights", []h{{HintPlace, "I work the corner of 14th and K most nights"}}},
		{"we met at the corner of 14th and K.", []h{{HintPlace, "the corner of 14th and K"}}},
		{"picked me up at 14th & K", []h{{HintPlace, "14th & K"}}},
		{"drove from K St and 14th", []h{{HintPlace, "K St and 14th"}}},
		{"en la esquina de Juárez y 5 de Mayo", []h{{HintPlace, "esquina de Juárez y 5"}}},
		{"casi siempre trabajo en la 14 por las noches.", []h{{HintPlace, "casi siempre trabajo en la 14 por las noches"}}},
		// False positives the hints must not raise.
		{"my Instagram got hacked", nil},
		{"the 1st and 2nd time he paid", nil},
		{"he hit me 4 times, #1 rule broken? no", []h{{HintUnit, "#1"}}},
		{"I work hard and he knew it", nil},
		{"the room was dark and the unit price high", nil},
		{"ice & snow on the 3rd and final day", nil},
		{"me llamo Ana López y quiero avisar", []h{{HintName, "Ana López"}}},
		{"mi nombre es carla", []h{{HintName, "carla"}}},
		{"He was tall, drove a red car, paid 200 dollars, 20 minutes drive away on 2026-11-20", nil},
		{"call me back later", nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := Hints(tt.in)
			var simple []h
			for _, g := range got {
				if tt.in[g.Start:g.End] != g.Text {
					t.Errorf("offsets %d:%d do not cover %q", g.Start, g.End, g.Text)
				}
				simple = append(simple, h{g.Kind, g.Text})
			}
			if len(simple) != len(tt.want) {
				t.Fatalf("got %v, want %v", simple, tt.want)
			}
			for i := range simple {
				if simple[i] != tt.want[i] {
					t.Errorf("hint %d = %v, want %v", i, simple[i], tt.want[i])
				}
			}
		})
	}
}

func TestHintsByteOffsets(t *testing.T) {
	text := "Ñandú dijo: llámame al 202-555-0100"
	got := Hints(text)
	if len(got) != 1 || text[got[0].Start:got[0].End] != "202-555-0100" || got[0].Start != strings.Index(text, "202") {
		t.Fatalf("got %+v", got)
	}
}

func TestNormalizeIdentifier(t *testing.T) {
	tests := []struct {
		typ, in, want, field, problem, en, es string
	}{
		{typ: "phone", in: "(202) 555-0100", want: "+12025550100"},
		{typ: "phone", in: "+1 202.555.0100", want: "+12025550100"},
		{typ: "phone", in: "1-202-555-0100", want: "+12025550100"},
		{typ: "phone", in: "+44 20 7946 0958", want: "+442079460958"},
		{typ: "phone", in: "555-0199", want: "+15550199"},
		{typ: "phone", in: "555-01", field: "value", problem: ProblemBadPhone, en: "Enter a phone number with 7 to 15 digits.", es: "Escribe un número de teléfono de 7 a 15 dígitos."},
		{typ: "phone", in: "1234567890123456", field: "value", problem: ProblemBadPhone, en: "Enter a phone number with 7 to 15 digits.", es: "Escribe un número de teléfono de 7 a 15 dígitos."},
		{typ: "phone", in: "202-CALL-NOW", field: "value", problem: ProblemBadPhone, en: "Enter a phone number with 7 to 15 digits.", es: "Escribe un número de teléfono de 7 a 15 dígitos."},
		{typ: "phone", in: "  ", field: "value", problem: ProblemRequired, en: "Enter what you want to check.", es: "Escribe lo que quieres buscar."},
		{typ: "plate", in: " dc 7ab-12 ", want: "DC7AB12"},
		{typ: "plate", in: "A", field: "value", problem: ProblemBadPlate, en: "Enter a plate with 2 to 10 letters and numbers.", es: "Escribe una placa de 2 a 10 letras y números."},
		{typ: "plate", in: "ABC*123", field: "value", problem: ProblemBadPlate, en: "Enter a plate with 2 to 10 letters and numbers.", es: "Escribe una placa de 2 a 10 letras y números."},
		{typ: "plate", in: "ABCDEFGHIJK", field: "value", problem: ProblemBadPlate, en: "Enter a plate with 2 to 10 letters and numbers.", es: "Escribe una placa de 2 a 10 letras y números."},
		{typ: "email", in: " Mike.DC@Example.com ", want: "mike.dc@example.com"},
		{typ: "email", in: "@Mike_DC", want: "mike_dc"},
		{typ: "email", in: "Mike_DC", want: "mike_dc"},
		{typ: "email", in: "mike dc", field: "value", problem: ProblemBadHandle, en: "Enter an email or a username, without spaces.", es: "Escribe un correo o un nombre de usuario, sin espacios."},
		{typ: "email", in: "a@b@c", field: "value", problem: ProblemBadHandle, en: "Enter an email or a username, without spaces.", es: "Escribe un correo o un nombre de usuario, sin espacios."},
		{typ: "email", in: "@", field: "value", problem: ProblemBadHandle, en: "Enter an email or a username, without spaces.", es: "Escribe un correo o un nombre de usuario, sin espacios."},
		{typ: "name", in: "Mike", field: "type", problem: ProblemUnknownOption, en: "Choose one of the options in the list.", es: "Elige una de las opciones de la lista."},
	}
	for _, tt := range tests {
		t.Run(tt.typ+" "+tt.in, func(t *testing.T) {
			got, err := NormalizeIdentifier(tt.typ, tt.in)
			if tt.problem == "" {
				if err != nil || got != tt.want {
					t.Fatalf("got %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			var verr *ValidationError
			if !errors.As(err, &verr) || verr.Fields[tt.field].Code != tt.problem {
				t.Fatalf("got %q, %v; want %s on %s", got, err, tt.problem, tt.field)
			}
			if m := verr.Messages("en")[tt.field]; m != tt.en {
				t.Errorf("en = %q", m)
			}
			if m := verr.Messages("es")[tt.field]; m != tt.es {
				t.Errorf("es = %q", m)
			}
		})
	}
}
