package report

import (
	"fmt"
	"strings"

	"golang.org/x/text/language"
)

// Languages are the languages every label and message exists in, the default first.
var Languages = []string{"en", "es"}

// tr is one text in every language. Keeping both side by side makes a missing translation
// visible in review, and the tests check that none is empty.
type tr struct{ en, es string }

func (t tr) in(lang string) string {
	if lang == "es" && t.es != "" {
		return t.es
	}
	return t.en
}

// The Spanish is Latin American, plain and non-judgemental, as outreach workers speak it: "mal
// cliente", "lote adulterado", never words that blame the person reporting.

var fieldLabels = map[string]tr{
	"date":           {"Date", "Fecha"},
	"time_band":      {"Time of day", "Momento del día"},
	"area":           {"Area", "Zona"},
	"location":       {"Place", "Lugar"},
	"details":        {"What happened", "Qué pasó"},
	"harms":          {"What they did", "Qué hizo"},
	"contact":        {"How you met", "Cómo se conocieron"},
	"aggressor_name": {"Name or alias they used", "Nombre o apodo que usó"},
	"phones":         {"Phone numbers", "Números de teléfono"},
	"handles":        {"Emails or online usernames", "Correos o usuarios en línea"},
	"gender":         {"Gender", "Género"},
	"age_range":      {"Age (about)", "Edad aproximada"},
	"height":         {"Height", "Estatura"},
	"build":          {"Build", "Complexión"},
	"hair":           {"Hair", "Cabello"},
	"features":       {"Distinguishing features", "Rasgos particulares"},
	"vehicle_make":   {"Vehicle make", "Marca del vehículo"},
	"vehicle_model":  {"Vehicle model", "Modelo del vehículo"},
	"vehicle_colour": {"Vehicle color", "Color del vehículo"},
	"plate":          {"License plate", "Placa"},
	"sold_as":        {"Sold as", "Se vendió como"},
	"colour":         {"Color", "Color"},
	"form":           {"Form", "Forma"},
	"stamp":          {"Stamp, logo or imprint", "Sello, logo o marca"},
	"packaging":      {"Packaging", "Empaque"},
	"routes":         {"How it was used", "Cómo se usó"},
	"effects":        {"Effects", "Efectos"},
	"fentanyl_strip": {"Fentanyl test strip", "Tira de prueba de fentanilo"},
	"xylazine_strip": {"Xylazine test strip", "Tira de prueba de xilacina"},
	"other_test":     {"Other drug-checking result", "Otro resultado de análisis"},
	// Inputs outside the report forms that share the same error messages.
	"kind":   {"Type of report", "Tipo de reporte"},
	"fields": {"Form", "Formulario"},
	"text":   {"Information to add", "Información para agregar"},
	"title":  {"Title", "Título"},
	"body":   {"Alert text", "Texto de la alerta"},
	"type":   {"What to check", "Qué buscar"},
	"value":  {"Number, plate or username", "Número, placa o usuario"},
}

var fieldHints = map[string]tr{
	"date":          {"The day it happened, within the last year.", "El día en que pasó, dentro del último año."},
	"time_band":     {"Optional. A rough time is enough.", "Opcional. Basta con una idea aproximada."},
	"area":          {"Where it happened.", "Dónde pasó."},
	"location":      {"Optional: a corner, a business or a landmark. Leave out anything that could identify you.", "Opcional: una esquina, un negocio o un lugar conocido. No pongas nada que pueda identificarte."},
	"details":       {"In your own words. Don't write your name or anything that could identify you.", "Con tus propias palabras. No escribas tu nombre ni nada que pueda identificarte."},
	"harms":         {"Choose all that apply.", "Elige todas las que correspondan."},
	"phones":        {"Up to 5 numbers they used.", "Hasta 5 números que usó."},
	"handles":       {"Up to 5: email, username or profile name.", "Hasta 5: correo, nombre de usuario o de perfil."},
	"hair":          {"Color, length, style, or bald.", "Color, largo, peinado, o si es calvo."},
	"features":      {"Tattoos, scars, glasses, accent, clothes…", "Tatuajes, cicatrices, lentes, acento, ropa…"},
	"vehicle_make":  {"For example Toyota.", "Por ejemplo, Toyota."},
	"vehicle_model": {"For example Camry.", "Por ejemplo, Camry."},
	"plate":         {"All or part of it, and the state if you know it.", "Completa o una parte, y el estado si lo sabes."},
	"sold_as":       {"What you were told it was.", "Lo que te dijeron que era."},
	"colour":        {"For example white, gray, blue, pink.", "Por ejemplo, blanco, gris, azul, rosado."},
	"stamp":         {"What is printed on the bag or the pill.", "Lo que viene impreso en la bolsita o la pastilla."},
	"packaging":     {"For example a small blue bag, a capsule, folded paper.", "Por ejemplo, una bolsita azul, una cápsula, papel doblado."},
	"routes":        {"Choose all that apply.", "Elige todas las que correspondan."},
	"effects":       {"Choose all that apply.", "Elige todas las que correspondan."},
	"other_test":    {"For example a result from a drug-checking service.", "Por ejemplo, el resultado de un servicio de análisis de sustancias."},
	"text":          {"Anything new you remember or found out.", "Cualquier cosa nueva que recuerdes o que hayas sabido."},
	"type":          {"A phone number, a license plate, or an email or username.", "Un número de teléfono, una placa, o un correo o usuario."},
}

var (
	unknownOption = tr{"Don't know", "No sé"}
	otherThing    = tr{"Something else", "Otra cosa"}
	otherOption   = tr{"Other", "Otro"}
	stripLabels   = map[string]tr{
		"positive":   {"Positive", "Positivo"},
		"negative":   {"Negative", "Negativo"},
		"not_tested": {"Not tested", "No se probó"},
	}
)

var optionLabels = map[string]map[string]tr{
	"time_band": {
		"night":     {"Night (midnight to 6 am)", "Madrugada (de medianoche a 6 a. m.)"},
		"morning":   {"Morning (6 am to noon)", "Mañana (de 6 a. m. a mediodía)"},
		"afternoon": {"Afternoon (noon to 6 pm)", "Tarde (de mediodía a 6 p. m.)"},
		"evening":   {"Evening (6 pm to midnight)", "Noche (de 6 p. m. a medianoche)"},
	},
	"harms": {
		"physical_violence":   {"Physical violence", "Violencia física"},
		"sexual_assault":      {"Sexual assault", "Agresión sexual"},
		"robbery_theft":       {"Robbery or theft", "Robo"},
		"refused_to_pay":      {"Refused to pay", "No quiso pagar"},
		"condom_removed":      {"Removed or refused a condom", "Se quitó el condón o no quiso usarlo"},
		"drugged":             {"Drugged or spiked someone", "Drogó a alguien sin su consentimiento"},
		"weapon_threats":      {"Weapon or threats", "Arma o amenazas"},
		"held_against_will":   {"Held someone against their will", "No dejó ir a la persona"},
		"stalking_harassment": {"Stalking or harassment", "Acoso o persecución"},
		"other":               otherThing,
	},
	"contact": {
		"street":      {"On the street", "En la calle"},
		"online_ad":   {"Online ad", "Anuncio en línea"},
		"app_website": {"App or website", "App o sitio web"},
		"phone":       {"Phone call or text", "Llamada o mensaje"},
		"referral":    {"Through someone else", "Por medio de otra persona"},
		"other":       otherOption,
	},
	"gender": {
		"man":         {"Man", "Hombre"},
		"woman":       {"Woman", "Mujer"},
		"trans_woman": {"Trans woman", "Mujer trans"},
		"trans_man":   {"Trans man", "Hombre trans"},
		"nonbinary":   {"Nonbinary", "Persona no binaria"},
		"unknown":     unknownOption,
	},
	"age_range": {
		"under_25": {"Under 25", "Menos de 25"},
		"25_34":    {"25 to 34", "De 25 a 34"},
		"35_44":    {"35 to 44", "De 35 a 44"},
		"45_54":    {"45 to 54", "De 45 a 54"},
		"55_plus":  {"55 or older", "55 o más"},
		"unknown":  unknownOption,
	},
	// Spanish adjectives agree with "estatura" and "complexión", so they fit any gender.
	"height": {
		"short":   {"Short", "Baja"},
		"average": {"Average", "Media"},
		"tall":    {"Tall", "Alta"},
		"unknown": unknownOption,
	},
	"build": {
		"slim":     {"Slim", "Delgada"},
		"average":  {"Average", "Media"},
		"muscular": {"Muscular", "Musculosa"},
		"heavy":    {"Heavy", "Robusta"},
		"unknown":  unknownOption,
	},
	"sold_as": {
		"fentanyl":      {"Fentanyl (dope)", "Fentanilo"},
		"heroin":        {"Heroin", "Heroína"},
		"crack":         {"Crack", "Crack (piedra)"},
		"cocaine":       {"Cocaine (powder)", "Cocaína en polvo"},
		"meth":          {"Meth", "Metanfetamina (cristal)"},
		"pressed_benzo": {"Pressed pill sold as a benzo (Xanax…)", "Pastilla prensada vendida como benzo (Xanax…)"},
		"pressed_oxy":   {"Pressed pill sold as oxy or Percocet", "Pastilla prensada vendida como oxi o Percocet"},
		"mdma":          {"MDMA (molly, ecstasy)", "MDMA (molly, éxtasis)"},
		"ketamine":      {"Ketamine", "Ketamina"},
		"other":         otherThing,
	},
	"form": {
		"powder":  {"Powder", "Polvo"},
		"rock":    {"Rock", "Piedra"},
		"pill":    {"Pill", "Pastilla"},
		"liquid":  {"Liquid", "Líquido"},
		"crystal": {"Crystal", "Cristal"},
		"tar":     {"Tar (dark, sticky)", "Alquitrán (oscuro, pegajoso)"},
		"other":   {"Other", "Otra"},
	},
	"routes": {
		"smoked":    {"Smoked", "Fumada"},
		"injected":  {"Injected", "Inyectada"},
		"snorted":   {"Snorted", "Inhalada por la nariz"},
		"swallowed": {"Swallowed", "Tragada"},
	},
	"effects": {
		"overdose":          {"Overdose", "Sobredosis"},
		"multiple_naloxone": {"Needed more than one dose of naloxone (Narcan)", "Hizo falta más de una dosis de naloxona (Narcan)"},
		"unusually_strong":  {"Much stronger than usual", "Mucho más fuerte de lo normal"},
		"long_sedation":     {"Long sedation or blackout", "Sedación larga o pérdida del conocimiento"},
		"wounds":            {"Wounds or skin sores", "Heridas o llagas en la piel"},
		"seizures":          {"Seizures", "Convulsiones"},
		"stimulant_effect":  {"Unexpected stimulant effect (racing heart, no sleep)", "Efecto estimulante inesperado (corazón acelerado, no poder dormir)"},
		"other":             otherThing,
	},
	"fentanyl_strip": stripLabels,
	"xylazine_strip": stripLabels,
	"type": {
		"phone": {"Phone number", "Número de teléfono"},
		"plate": {"License plate", "Placa"},
		"email": {"Email or username", "Correo o usuario"},
	},
}

var kindLabels = map[Kind]tr{
	BadDate:   {"Bad date", "Mal cliente"},
	DrugAlert: {"Bad batch", "Lote adulterado"},
}

var severityLabels = map[Severity]tr{
	SeverityInfo:    {"Information", "Información"},
	SeverityWarning: {"Warning", "Precaución"},
	SeverityDanger:  {"Danger", "Peligro"},
}

// Status labels are what a reporter reads on their receipt, so "rejected" is said gently.
var statusLabels = map[Status]tr{
	StatusPending:  {"Waiting for review", "En revisión"},
	StatusApproved: {"Published as an alert", "Publicado como alerta"},
	StatusRejected: {"Not published", "No publicado"},
	StatusMerged:   {"Added to an existing alert", "Sumado a una alerta que ya existía"},
}

var alertStatusLabels = map[AlertStatus]tr{
	AlertPublished: {"Published", "Publicada"},
	AlertRetracted: {"Withdrawn", "Retirada"},
}

// messages are the validation sentences. Keys: "summary.*", then "<problem>.<field>",
// "<problem>.<field type>" and "<problem>", most specific first.
var messages = map[string]tr{
	"summary.unknown_kind":  {"This type of report doesn't exist. Choose bad date or bad batch.", "Este tipo de reporte no existe. Elige mal cliente o lote adulterado."},
	"summary.invalid_json":  {"The form could not be read. Please try again.", "No se pudo leer el formulario. Inténtalo de nuevo."},
	"summary.invalid_field": {"Some answers need a change.", "Hay respuestas que necesitan un cambio."},
	"summary.check_fields":  {"Please check: %s.", "Revisa: %s."},

	"required":            {"Please fill this in.", "Completa este campo."},
	"required.enum":       {"Choose one option.", "Elige una opción."},
	"required.multi":      {"Choose at least one option.", "Elige al menos una opción."},
	"required.date":       {"Enter the date it happened.", "Escribe la fecha en que pasó."},
	"required.area":       {"Choose the area where it happened.", "Elige la zona donde pasó."},
	"required.details":    {"Tell us what happened.", "Cuéntanos qué pasó."},
	"required.harms":      {"Choose what happened (at least one).", "Elige qué pasó (al menos una opción)."},
	"required.sold_as":    {"Choose what it was sold as.", "Elige cómo se vendió."},
	"required.text":       {"Write the information you want to add.", "Escribe la información que quieres agregar."},
	"required.title":      {"Write a title.", "Escribe un título."},
	"required.body":       {"Write the text of the alert.", "Escribe el texto de la alerta."},
	"required.value":      {"Enter what you want to check.", "Escribe lo que quieres buscar."},
	"too_long":            {"Use at most %d characters.", "Usa como máximo %d caracteres."},
	"too_long.list":       {"Each entry can have at most %d characters.", "Cada dato puede tener como máximo %d caracteres."},
	"too_long.title":      {"Use at most %d characters, on one line.", "Usa como máximo %d caracteres, en una sola línea."},
	"too_many":            {"Add at most %d.", "Agrega como máximo %d."},
	"unknown_option":      {"Choose one of the options in the list.", "Elige una de las opciones de la lista."},
	"unknown_option.area": {"Choose an area from the list.", "Elige una zona de la lista."},
	"unknown_option.kind": {"Choose bad date or bad batch.", "Elige mal cliente o lote adulterado."},
	"bad_date":            {"Enter the date as year-month-day, for example 2026-03-31.", "Escribe la fecha como año-mes-día, por ejemplo 2026-03-31."},
	"future_date":         {"The date can't be in the future.", "La fecha no puede ser en el futuro."},
	"too_old":             {"Reports can only cover the last year. Choose a more recent date.", "Solo se reciben reportes del último año. Elige una fecha más reciente."},
	"bad_type":            {"This answer is in the wrong format.", "Esta respuesta no tiene el formato correcto."},
	"bad_type.list":       {"This answer should be a list.", "Esta respuesta debe ser una lista."},
	"bad_type.multi":      {"This answer should be a list of options.", "Esta respuesta debe ser una lista de opciones."},
	"control_chars":       {"Remove the special or invisible characters from this text.", "Quita los caracteres especiales o invisibles de este texto."},
	"control_chars.title": {"Remove line breaks and special or invisible characters from the title.", "Quita los saltos de línea y los caracteres especiales o invisibles del título."},
	"invalid_utf8":        {"This text has characters that could not be read. Please type it again.", "Este texto tiene caracteres que no se pudieron leer. Escríbelo de nuevo."},
	"unknown_field":       {"This field is not part of the form. Remove it.", "Este campo no es parte del formulario. Quítalo."},
	"bad_key":             {"Field names can't start with $ or contain a dot.", "Los nombres de los campos no pueden empezar con $ ni tener un punto."},
	"duplicate":           {"Remove the repeated answer.", "Quita la respuesta repetida."},
	"duplicate_key":       {"This field appears twice. Send it only once.", "Este campo aparece dos veces. Envíalo una sola vez."},
	"not_object":          {"The form data must be a JSON object.", "Los datos del formulario deben ser un objeto JSON."},
	"too_deep":            {"The form data has too many nested levels.", "Los datos del formulario tienen demasiados niveles."},
	"trailing_data":       {"There is extra data after the form.", "Hay datos de más después del formulario."},
	"syntax":              {"The form data is not valid JSON.", "Los datos del formulario no son un JSON válido."},
	"bad_phone":           {"Enter a phone number with 7 to 15 digits.", "Escribe un número de teléfono de 7 a 15 dígitos."},
	"bad_plate":           {"Enter a plate with 2 to 10 letters and numbers.", "Escribe una placa de 2 a 10 letras y números."},
	"bad_handle":          {"Enter an email or a username, without spaces.", "Escribe un correo o un nombre de usuario, sin espacios."},
}

// message looks up a validation sentence; a missing key is a bug the tests catch, so it shows
// the key rather than nothing.
func message(lang, key string) string {
	if t, ok := messages[key]; ok {
		return t.in(lang)
	}
	return key
}

func problemMessage(lang, field string, p Problem) string {
	keys := []string{p.Code + "." + field}
	if f, ok := anyField(field); ok {
		keys = append(keys, p.Code+"."+string(f.Type))
	}
	keys = append(keys, p.Code)
	for _, k := range keys {
		if t, ok := messages[k]; ok {
			s := t.in(lang)
			if strings.Contains(s, "%d") {
				s = fmt.Sprintf(s, p.Max)
			}
			return s
		}
	}
	return message(lang, "summary.invalid_field")
}

// anyField finds a field by name in whichever kind has it; names mean the same in every kind.
func anyField(name string) (Field, bool) {
	for _, k := range Kinds {
		if f, ok := lookupField(k, name); ok {
			return f, true
		}
	}
	return Field{}, false
}

// FieldLabel is the short name of a field, as a form shows it above the input. An unknown
// name comes back unchanged, so that an error about a field nobody knows still names it.
func FieldLabel(lang, field string) string {
	if t, ok := fieldLabels[field]; ok {
		return t.in(lang)
	}
	return field
}

// FieldHint is the line of help under a field, or "" when the label says enough.
func FieldHint(lang, field string) string {
	if t, ok := fieldHints[field]; ok {
		return t.in(lang)
	}
	return ""
}

// OptionLabel is the label of an option code. It is keyed by field because codes such as
// "other" and "average" read differently in different questions.
func OptionLabel(lang, field, code string) string {
	if t, ok := optionLabels[field][code]; ok {
		return t.in(lang)
	}
	return code
}

// KindLabel names a kind of report or alert.
func KindLabel(lang string, k Kind) string {
	if t, ok := kindLabels[k]; ok {
		return t.in(lang)
	}
	return string(k)
}

// SeverityLabel names a severity.
func SeverityLabel(lang string, s Severity) string {
	if t, ok := severityLabels[s]; ok {
		return t.in(lang)
	}
	return string(s)
}

// StatusLabel says where a report is, in the words a reporter reads on their receipt.
func StatusLabel(lang string, s Status) string {
	if t, ok := statusLabels[s]; ok {
		return t.in(lang)
	}
	return string(s)
}

// AlertStatusLabel says whether an alert is up or was withdrawn.
func AlertStatusLabel(lang string, s AlertStatus) string {
	if t, ok := alertStatusLabels[s]; ok {
		return t.in(lang)
	}
	return string(s)
}

// TimeBandLabel names a time band; the same labels as the form's time_band options.
func TimeBandLabel(lang, code string) string { return OptionLabel(lang, "time_band", code) }

var matcher = language.NewMatcher([]language.Tag{language.English, language.Spanish})

// maxLanguageInput bounds what is parsed: Accept-Language is client input on every request.
const maxLanguageInput = 512

// MatchLanguage picks one of Languages from an Accept-Language header or a ?lang= value
// ("es", "es-MX", "es-419,en;q=0.5"). Anything unreadable means English, the default.
func MatchLanguage(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxLanguageInput {
		return Languages[0]
	}
	tags, _, err := language.ParseAcceptLanguage(s)
	if err != nil || len(tags) == 0 {
		return Languages[0]
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No || i < 0 || i >= len(Languages) {
		return Languages[0]
	}
	return Languages[i]
}
