package report

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// testNow is a fixed "now" so that date rules are tested on known days.
var testNow = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func validBadDate() map[string]any {
	return map[string]any{
		"date":    "2026-11-20",
		"area":    "ward-6",
		"details": "He refused to pay and pushed me out of the car.",
		"harms":   []string{"refused_to_pay", "physical_violence"},
	}
}

func validDrugAlert() map[string]any {
	return map[string]any{
		"date":    "2026-11-19",
		"area":    "ward-8",
		"details": "Two people went out on one hit.",
		"sold_as": "fentanyl",
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func with(base map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(base))
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		k := kv[i].(string)
		if kv[i+1] == nil {
			delete(out, k)
			continue
		}
		out[k] = kv[i+1]
	}
	return out
}

func TestDecodeFullBadDate(t *testing.T) {
	raw := mustJSON(t, map[string]any{
		"date":           "2026-11-20",
		"time_band":      "night",
		"area":           "ward-1",
		"location":       "  near the gas station on 14th  ",
		"details":        "He took the money back\r\nand hit me.\tThen left.",
		"harms":          []string{"robbery_theft", "physical_violence"},
		"contact":        "online_ad",
		"aggressor_name": "Mike",
		"phones":         []string{"(202) 555-0100", "", " 202-555-0199 "},
		"handles":        []string{"@mike_dc"},
		"gender":         "man",
		"age_range":      "35_44",
		"height":         "tall",
		"build":          "heavy",
		"hair":           "short, gray",
		"features":       "Tattoo of a snake on the left arm.",
		"vehicle_make":   "Honda",
		"vehicle_model":  "Accord",
		"vehicle_colour": "silver",
		"plate":          "DC 7AB",
		"location_extra": nil,
	})
	raw = []byte(strings.Replace(string(raw), `,"location_extra":null`, "", 1))
	r, err := Decode("bad_date", raw, DefaultAreas(), testNow)
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != BadDate || r.Status != StatusPending || r.DrugAlert != nil || r.BadDate == nil {
		t.Fatalf("report = %+v", r)
	}
	want := BadDateFields{
		Common: Common{
			Date: "2026-11-20", TimeBand: "night", Area: "ward-1",
			Location: "near the gas station on 14th",
			Details:  "He took the money back\nand hit me.\tThen left.",
		},
		Harms: []string{"robbery_theft", "physical_violence"}, Contact: "online_ad", AggressorName: "Mike",
		Phones: []string{"(202) 555-0100", "202-555-0199"}, Handles: []string{"@mike_dc"},
		Gender: "man", AgeRange: "35_44", Height: "tall", Build: "heavy", Hair: "short, gray",
		Features: "Tattoo of a snake on the left arm.", VehicleMake: "Honda", VehicleModel: "Accord",
		VehicleColour: "silver", Plate: "DC 7AB",
	}
	if !reflect.DeepEqual(*r.BadDate, want) {
		t.Errorf("got  %+v\nwant %+v", *r.BadDate, want)
	}
	if got := r.Common().IncidentDay(); !got.Equal(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("IncidentDay = %v", got)
	}
}

func TestDecodeFullDrugAlert(t *testing.T) {
	raw := []byte(`{
		"date": "2026-11-21", "time_band": "evening", "area": "outside-dc", "location": null,
		"details": "Cafe\u0301 corner. Purple powder, people out for hours.",
		"sold_as": "fentanyl", "colour": "purple", "form": "powder", "stamp": "Batman",
		"packaging": "small blue bag", "routes": ["smoked", "injected"],
		"effects": ["overdose", "multiple_naloxone", "long_sedation"],
		"fentanyl_strip": "positive", "xylazine_strip": "not_tested", "other_test": "FTIR: medetomidine"
	}`)
	r, err := Decode("drug_alert", raw, DefaultAreas(), testNow)
	if err != nil {
		t.Fatal(err)
	}
	d := r.DrugAlert
	if r.Kind != DrugAlert || d == nil || r.BadDate != nil {
		t.Fatalf("report = %+v", r)
	}
	if d.Details != "Café corner. Purple powder, people out for hours." {
		t.Errorf("details not NFC: %q", d.Details)
	}
	if d.Location != "" || d.SoldAs != "fentanyl" || !reflect.DeepEqual(d.Routes, []string{"smoked", "injected"}) ||
		d.FentanylStrip != "positive" || d.OtherTest != "FTIR: medetomidine" {
		t.Errorf("got %+v", *d)
	}
}

func TestDecodeDateWindow(t *testing.T) {
	// Reporters live anywhere from UTC-12 to UTC+14, so one day either side of the UTC day is
	// still "today" for someone.
	for _, date := range []string{"2026-11-22", "2026-11-21", "2025-11-21", "2025-11-20"} {
		if _, err := Decode("bad_date", mustJSON(t, with(validBadDate(), "date", date)), DefaultAreas(), testNow); err != nil {
			t.Errorf("%s refused: %v", date, err)
		}
	}
}

func TestDecodeLengthsAreRunes(t *testing.T) {
	ok := strings.Repeat("é", MaxDetails)
	if _, err := Decode("bad_date", mustJSON(t, with(validBadDate(), "details", ok)), DefaultAreas(), testNow); err != nil {
		t.Errorf("4000 two-byte characters refused: %v", err)
	}
}

func TestDecodeRejects(t *testing.T) {
	long := func(n int) string { return strings.Repeat("ñ", n) }
	tests := []struct {
		name    string
		kind    string
		raw     string // used when fields is nil
		fields  map[string]any
		code    string
		field   string
		problem string
		en, es  string
	}{
		{name: "unknown kind", kind: "bad_batch", fields: validDrugAlert(), code: CodeUnknownKind, field: "kind", problem: ProblemUnknownOption,
			en: "Choose bad date or bad batch.", es: "Elige mal cliente o lote adulterado."},
		{name: "missing date", kind: "bad_date", fields: with(validBadDate(), "date", nil), code: CodeInvalidField, field: "date", problem: ProblemRequired,
			en: "Enter the date it happened.", es: "Escribe la fecha en que pasó."},
		{name: "missing harms", kind: "bad_date", fields: with(validBadDate(), "harms", nil), code: CodeInvalidField, field: "harms", problem: ProblemRequired,
			en: "Choose what happened (at least one).", es: "Elige qué pasó (al menos una opción)."},
		{name: "empty harms", kind: "bad_date", fields: with(validBadDate(), "harms", []string{}), code: CodeInvalidField, field: "harms", problem: ProblemRequired,
			en: "Choose what happened (at least one).", es: "Elige qué pasó (al menos una opción)."},
		{name: "blank details", kind: "bad_date", fields: with(validBadDate(), "details", " \n\t "), code: CodeInvalidField, field: "details", problem: ProblemRequired,
			en: "Tell us what happened.", es: "Cuéntanos qué pasó."},
		{name: "null area", kind: "bad_date", fields: with(validBadDate(), "area", json.RawMessage("null")), code: CodeInvalidField, field: "area", problem: ProblemRequired,
			en: "Choose the area where it happened.", es: "Elige la zona donde pasó."},
		{name: "missing sold_as", kind: "drug_alert", fields: with(validDrugAlert(), "sold_as", ""), code: CodeInvalidField, field: "sold_as", problem: ProblemRequired,
			en: "Choose what it was sold as.", es: "Elige cómo se vendió."},
		{name: "unknown area", kind: "bad_date", fields: with(validBadDate(), "area", "ward-9"), code: CodeInvalidField, field: "area", problem: ProblemUnknownOption,
			en: "Choose an area from the list.", es: "Elige una zona de la lista."},
		{name: "unknown enum code", kind: "bad_date", fields: with(validBadDate(), "time_band", "noon"), code: CodeInvalidField, field: "time_band", problem: ProblemUnknownOption,
			en: "Choose one of the options in the list.", es: "Elige una de las opciones de la lista."},
		{name: "code of another field", kind: "drug_alert", fields: with(validDrugAlert(), "fentanyl_strip", "maybe"), code: CodeInvalidField, field: "fentanyl_strip", problem: ProblemUnknownOption,
			en: "Choose one of the options in the list.", es: "Elige una de las opciones de la lista."},
		{name: "unknown multi code", kind: "bad_date", fields: with(validBadDate(), "harms", []string{"robbery"}), code: CodeInvalidField, field: "harms", problem: ProblemUnknownOption,
			en: "Choose one of the options in the list.", es: "Elige una de las opciones de la lista."},
		{name: "duplicate in multi", kind: "drug_alert", fields: with(validDrugAlert(), "routes", []string{"smoked", "smoked"}), code: CodeInvalidField, field: "routes", problem: ProblemDuplicate,
			en: "Remove the repeated answer.", es: "Quita la respuesta repetida."},
		{name: "duplicate in list", kind: "bad_date", fields: with(validBadDate(), "handles", []string{"@Mike", "@mike"}), code: CodeInvalidField, field: "handles", problem: ProblemDuplicate,
			en: "Remove the repeated answer.", es: "Quita la respuesta repetida."},
		{name: "too many phones", kind: "bad_date", fields: with(validBadDate(), "phones", []string{"1111111", "2222222", "3333333", "4444444", "5555555", "6666666"}), code: CodeInvalidField, field: "phones", problem: ProblemTooMany,
			en: "Add at most 5.", es: "Agrega como máximo 5."},
		{name: "phone too long", kind: "bad_date", fields: with(validBadDate(), "phones", []string{strings.Repeat("1", 41)}), code: CodeInvalidField, field: "phones", problem: ProblemTooLong,
			en: "Each entry can have at most 40 characters.", es: "Cada dato puede tener como máximo 40 caracteres."},
		{name: "details too long", kind: "bad_date", fields: with(validBadDate(), "details", long(4001)), code: CodeInvalidField, field: "details", problem: ProblemTooLong,
			en: "Use at most 4000 characters.", es: "Usa como máximo 4000 caracteres."},
		{name: "other_test too long", kind: "drug_alert", fields: with(validDrugAlert(), "other_test", long(501)), code: CodeInvalidField, field: "other_test", problem: ProblemTooLong,
			en: "Use at most 500 characters.", es: "Usa como máximo 500 caracteres."},
		{name: "plate too long", kind: "bad_date", fields: with(validBadDate(), "plate", long(16)), code: CodeInvalidField, field: "plate", problem: ProblemTooLong,
			en: "Use at most 15 characters.", es: "Usa como máximo 15 caracteres."},
		{name: "date without zero padding", kind: "bad_date", fields: with(validBadDate(), "date", "2026-11-5"), code: CodeInvalidField, field: "date", problem: ProblemBadDate,
			en: "Enter the date as year-month-day, for example 2026-03-31.", es: "Escribe la fecha como año-mes-día, por ejemplo 2026-03-31."},
		{name: "impossible date", kind: "bad_date", fields: with(validBadDate(), "date", "2026-02-30"), code: CodeInvalidField, field: "date", problem: ProblemBadDate,
			en: "Enter the date as year-month-day, for example 2026-03-31.", es: "Escribe la fecha como año-mes-día, por ejemplo 2026-03-31."},
		{name: "US date", kind: "bad_date", fields: with(validBadDate(), "date", "11/20/2026"), code: CodeInvalidField, field: "date", problem: ProblemBadDate,
			en: "Enter the date as year-month-day, for example 2026-03-31.", es: "Escribe la fecha como año-mes-día, por ejemplo 2026-03-31."},
		{name: "timestamp", kind: "bad_date", fields: with(validBadDate(), "date", "2026-11-20T10:00:00Z"), code: CodeInvalidField, field: "date", problem: ProblemBadDate,
			en: "Enter the date as year-month-day, for example 2026-03-31.", es: "Escribe la fecha como año-mes-día, por ejemplo 2026-03-31."},
		{name: "future date", kind: "bad_date", fields: with(validBadDate(), "date", "2026-11-23"), code: CodeInvalidField, field: "date", problem: ProblemFutureDate,
			en: "The date can't be in the future.", es: "La fecha no puede ser en el futuro."},
		{name: "too old", kind: "drug_alert", fields: with(validDrugAlert(), "date", "2025-11-19"), code: CodeInvalidField, field: "date", problem: ProblemTooOld,
			en: "Reports can only cover the last year. Choose a more recent date.", es: "Solo se reciben reportes del último año. Elige una fecha más reciente."},
		{name: "number for date", kind: "bad_date", fields: with(validBadDate(), "date", 20261120), code: CodeInvalidField, field: "date", problem: ProblemBadType,
			en: "This answer is in the wrong format.", es: "Esta respuesta no tiene el formato correcto."},
		{name: "string for multi", kind: "bad_date", fields: with(validBadDate(), "harms", "robbery_theft"), code: CodeInvalidField, field: "harms", problem: ProblemBadType,
			en: "This answer should be a list of options.", es: "Esta respuesta debe ser una lista de opciones."},
		{name: "string for list", kind: "bad_date", fields: with(validBadDate(), "phones", "2025550100"), code: CodeInvalidField, field: "phones", problem: ProblemBadType,
			en: "This answer should be a list.", es: "Esta respuesta debe ser una lista."},
		{name: "object for text", kind: "bad_date", fields: with(validBadDate(), "hair", map[string]any{"color": "red"}), code: CodeInvalidField, field: "hair", problem: ProblemBadType,
			en: "This answer is in the wrong format.", es: "Esta respuesta no tiene el formato correcto."},
		{name: "bell character", kind: "bad_date", fields: with(validBadDate(), "location", "corner\a"), code: CodeInvalidField, field: "location", problem: ProblemControlChars,
			en: "Remove the special or invisible characters from this text.", es: "Quita los caracteres especiales o invisibles de este texto."},
		{name: "newline in one-line text", kind: "bad_date", fields: with(validBadDate(), "hair", "red\nlong"), code: CodeInvalidField, field: "hair", problem: ProblemControlChars,
			en: "Remove the special or invisible characters from this text.", es: "Quita los caracteres especiales o invisibles de este texto."},
		{name: "C1 control", kind: "bad_date", fields: with(validBadDate(), "details", "a\u0085b"), code: CodeInvalidField, field: "details", problem: ProblemControlChars,
			en: "Remove the special or invisible characters from this text.", es: "Quita los caracteres especiales o invisibles de este texto."},
		{name: "bidi override", kind: "bad_date", fields: with(validBadDate(), "details", "paid \u202e001$"), code: CodeInvalidField, field: "details", problem: ProblemControlChars,
			en: "Remove the special or invisible characters from this text.", es: "Quita los caracteres especiales o invisibles de este texto."},
		{name: "line separator", kind: "bad_date", fields: with(validBadDate(), "details", "a\u2028b"), code: CodeInvalidField, field: "details", problem: ProblemControlChars,
			en: "Remove the special or invisible characters from this text.", es: "Quita los caracteres especiales o invisibles de este texto."},
		{name: "control char in list item", kind: "bad_date", fields: with(validBadDate(), "phones", []string{"202\x00555"}), code: CodeInvalidField, field: "phones", problem: ProblemControlChars,
			en: "Remove the special or invisible characters from this text.", es: "Quita los caracteres especiales o invisibles de este texto."},
		{name: "invalid UTF-8", kind: "bad_date", raw: "{\"date\":\"2026-11-20\",\"area\":\"ward-6\",\"harms\":[\"other\"],\"details\":\"bad \xff byte\"}", code: CodeInvalidField, field: "details", problem: ProblemInvalidUTF8,
			en: "This text has characters that could not be read. Please type it again.", es: "Este texto tiene caracteres que no se pudieron leer. Escríbelo de nuevo."},
		{name: "lone surrogate escape", kind: "bad_date", raw: `{"date":"2026-11-20","area":"ward-6","harms":["other"],"details":"x\ud800y"}`, code: CodeInvalidField, field: "details", problem: ProblemInvalidUTF8,
			en: "This text has characters that could not be read. Please type it again.", es: "Este texto tiene caracteres que no se pudieron leer. Escríbelo de nuevo."},
		{name: "invalid UTF-8 in a key", kind: "bad_date", raw: "{\"d\xffte\":\"2026-11-20\"}", code: CodeInvalidJSON, field: "fields", problem: ProblemInvalidUTF8,
			en: "This text has characters that could not be read. Please type it again.", es: "Este texto tiene caracteres que no se pudieron leer. Escríbelo de nuevo."},
		{name: "unknown field", kind: "bad_date", fields: with(validBadDate(), "email", "x@example.com"), code: CodeInvalidField, field: "email", problem: ProblemUnknownField,
			en: "This field is not part of the form. Remove it.", es: "Este campo no es parte del formulario. Quítalo."},
		{name: "field of the other kind", kind: "drug_alert", fields: with(validDrugAlert(), "harms", []string{"other"}), code: CodeInvalidField, field: "harms", problem: ProblemUnknownField,
			en: "This field is not part of the form. Remove it.", es: "Este campo no es parte del formulario. Quítalo."},
		{name: "$where key", kind: "bad_date", fields: with(validBadDate(), "$where", "sleep(1000)"), code: CodeInvalidField, field: "$where", problem: ProblemBadKey,
			en: "Field names can't start with $ or contain a dot.", es: "Los nombres de los campos no pueden empezar con $ ni tener un punto."},
		{name: "operator inside a value", kind: "bad_date", fields: with(validBadDate(), "details", map[string]any{"$ne": ""}), code: CodeInvalidField, field: "details", problem: ProblemBadKey,
			en: "Field names can't start with $ or contain a dot.", es: "Los nombres de los campos no pueden empezar con $ ni tener un punto."},
		{name: "operator deep inside a list", kind: "bad_date", fields: with(validBadDate(), "phones", []any{[]any{map[string]any{"a": map[string]any{"$gt": 1}}}}), code: CodeInvalidField, field: "phones", problem: ProblemBadKey,
			en: "Field names can't start with $ or contain a dot.", es: "Los nombres de los campos no pueden empezar con $ ni tener un punto."},
		{name: "dotted key", kind: "bad_date", fields: with(validBadDate(), "bad_date.harms", []string{"other"}), code: CodeInvalidField, field: "bad_date.harms", problem: ProblemBadKey,
			en: "Field names can't start with $ or contain a dot.", es: "Los nombres de los campos no pueden empezar con $ ni tener un punto."},
		{name: "duplicate key", kind: "bad_date", raw: `{"date":"2026-11-20","area":"ward-6","harms":["other"],"details":"x","area":"ward-7"}`, code: CodeInvalidField, field: "area", problem: ProblemDuplicateKey,
			en: "This field appears twice. Send it only once.", es: "Este campo aparece dos veces. Envíalo una sola vez."},
		{name: "trailing data", kind: "bad_date", raw: `{"date":"2026-11-20","area":"ward-6","harms":["other"],"details":"x"} {"a":1}`, code: CodeInvalidJSON, field: "fields", problem: ProblemTrailingData,
			en: "There is extra data after the form.", es: "Hay datos de más después del formulario."},
		{name: "trailing garbage", kind: "bad_date", raw: `{"date":"2026-11-20","area":"ward-6","harms":["other"],"details":"x"}x`, code: CodeInvalidJSON, field: "fields", problem: ProblemSyntax,
			en: "The form data is not valid JSON.", es: "Los datos del formulario no son un JSON válido."},
		{name: "array", kind: "bad_date", raw: `[{"date":"2026-11-20"}]`, code: CodeInvalidJSON, field: "fields", problem: ProblemNotObject,
			en: "The form data must be a JSON object.", es: "Los datos del formulario deben ser un objeto JSON."},
		{name: "null", kind: "bad_date", raw: `null`, code: CodeInvalidJSON, field: "fields", problem: ProblemNotObject,
			en: "The form data must be a JSON object.", es: "Los datos del formulario deben ser un objeto JSON."},
		{name: "empty body", kind: "bad_date", raw: ``, code: CodeInvalidJSON, field: "fields", problem: ProblemSyntax,
			en: "The form data is not valid JSON.", es: "Los datos del formulario no son un JSON válido."},
		{name: "truncated", kind: "bad_date", raw: `{"date":"2026-11-20",`, code: CodeInvalidJSON, field: "fields", problem: ProblemSyntax,
			en: "The form data is not valid JSON.", es: "Los datos del formulario no son un JSON válido."},
		{name: "too deep", kind: "bad_date", raw: `{"details":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, code: CodeInvalidJSON, field: "fields", problem: ProblemTooDeep,
			en: "The form data has too many nested levels.", es: "Los datos del formulario tienen demasiados niveles."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := []byte(tt.raw)
			if tt.fields != nil {
				raw = mustJSON(t, tt.fields)
			}
			r, err := Decode(tt.kind, raw, DefaultAreas(), testNow)
			if err == nil {
				t.Fatalf("accepted: %+v", r)
			}
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("error %v is not a *ValidationError", err)
			}
			if verr.Code != tt.code {
				t.Errorf("code = %q, want %q (%v)", verr.Code, tt.code, verr)
			}
			if p := verr.Fields[tt.field]; p.Code != tt.problem {
				t.Errorf("problem of %q = %q, want %q (%v)", tt.field, p.Code, tt.problem, verr)
			}
			if got := verr.Messages("en")[tt.field]; got != tt.en {
				t.Errorf("en message = %q, want %q", got, tt.en)
			}
			if got := verr.Messages("es")[tt.field]; got != tt.es {
				t.Errorf("es message = %q, want %q", got, tt.es)
			}
		})
	}
}

func TestDecodeReportsEveryProblem(t *testing.T) {
	raw := mustJSON(t, map[string]any{"area": "ward-6", "details": "x"})
	_, err := Decode("bad_date", raw, DefaultAreas(), testNow)
	var verr *ValidationError
	if !errors.As(err, &verr) || len(verr.Fields) != 2 {
		t.Fatalf("err = %v, want date and harms", err)
	}
	if got, want := verr.Summary("en"), "Please check: Date, What they did."; got != want {
		t.Errorf("summary en = %q, want %q", got, want)
	}
	if got, want := verr.Summary("es"), "Revisa: Fecha, Qué hizo."; got != want {
		t.Errorf("summary es = %q, want %q", got, want)
	}
	if got := verr.Error(); !strings.Contains(got, "date: required (Enter the date it happened.)") {
		t.Errorf("Error() = %q", got)
	}
}

func TestSummaries(t *testing.T) {
	_, err := Decode("bad_batch", []byte(`{}`), DefaultAreas(), testNow)
	if got := err.(*ValidationError).Summary("es"); got != "Este tipo de reporte no existe. Elige mal cliente o lote adulterado." {
		t.Errorf("unknown kind summary = %q", got)
	}
	_, err = Decode("bad_date", []byte(`{`), DefaultAreas(), testNow)
	if got := err.(*ValidationError).Summary("en"); got != "The form could not be read. Please try again." {
		t.Errorf("invalid json summary = %q", got)
	}
}

func TestDecodeBoundsHostileErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < 1000; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"` + strings.Repeat("k", 100) + string(rune('a'+i%26)) + strings.Repeat("z", i/26) + `":1`)
	}
	b.WriteString("}")
	_, err := Decode("bad_date", []byte(b.String()), DefaultAreas(), testNow)
	verr := err.(*ValidationError)
	if len(verr.Fields) > maxProblems {
		t.Errorf("%d problems reported, want at most %d", len(verr.Fields), maxProblems)
	}
	for k := range verr.Fields {
		if utf8.RuneCountInString(k) > 41 {
			t.Errorf("key echoed back at full length: %d runes", utf8.RuneCountInString(k))
		}
	}
}

func TestValidateFollowup(t *testing.T) {
	tests := []struct {
		in, want, problem, en, es string
	}{
		{in: "  He came back with a friend.\r\n ", want: "He came back with a friend."},
		{in: "   ", problem: ProblemRequired, en: "Write the information you want to add.", es: "Escribe la información que quieres agregar."},
		{in: strings.Repeat("a", MaxFollowup+1), problem: ProblemTooLong, en: "Use at most 2000 characters.", es: "Usa como máximo 2000 caracteres."},
		{in: "a\x1bb", problem: ProblemControlChars, en: "Remove the special or invisible characters from this text.", es: "Quita los caracteres especiales o invisibles de este texto."},
		{in: "a\xc0b", problem: ProblemInvalidUTF8, en: "This text has characters that could not be read. Please type it again.", es: "Este texto tiene caracteres que no se pudieron leer. Escríbelo de nuevo."},
	}
	for _, tt := range tests {
		t.Run(tt.problem+tt.want, func(t *testing.T) {
			got, verr := ValidateFollowup(tt.in)
			if tt.problem == "" {
				if verr != nil || got != tt.want {
					t.Fatalf("got %q, %v; want %q", got, verr, tt.want)
				}
				return
			}
			if verr == nil || verr.Fields["text"].Code != tt.problem {
				t.Fatalf("got %q, %v; want %s", got, verr, tt.problem)
			}
			if m := verr.Messages("en")["text"]; m != tt.en {
				t.Errorf("en = %q, want %q", m, tt.en)
			}
			if m := verr.Messages("es")["text"]; m != tt.es {
				t.Errorf("es = %q, want %q", m, tt.es)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	// Seeds live in testdata/fuzz/FuzzDecode.
	areas := DefaultAreas()
	f.Fuzz(func(t *testing.T, kind string, raw []byte) {
		r, err := Decode(kind, raw, areas, testNow)
		if err != nil {
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("not a validation error: %v", err)
			}
			for k := range verr.Fields {
				if !utf8.ValidString(k) {
					t.Fatalf("error key %q is not UTF-8", k)
				}
			}
			_ = verr.Summary("es")
			_ = verr.Messages("es")
			return
		}
		var fields any = r.BadDate
		if r.Kind == DrugAlert {
			fields = r.DrugAlert
		}
		checkStrings(t, reflect.ValueOf(fields).Elem())
		again, err := Decode(kind, mustJSON(t, fields), areas, testNow)
		if err != nil {
			t.Fatalf("re-encoded report refused: %v", err)
		}
		if !reflect.DeepEqual(again, r) {
			t.Fatalf("round trip changed the report:\n%+v\n%+v", r, again)
		}
	})
}

// checkStrings walks every string of a decoded report: all must be stored as clean text.
func checkStrings(t *testing.T, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.String:
		s := v.String()
		if !utf8.ValidString(s) || strings.TrimSpace(s) != s {
			t.Fatalf("unclean text %q", s)
		}
		for _, r := range s {
			if forbiddenRune(r, true) || r == '\r' || r == utf8.RuneError {
				t.Fatalf("text %q holds %U", s, r)
			}
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			checkStrings(t, v.Field(i))
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			checkStrings(t, v.Index(i))
		}
	}
}
