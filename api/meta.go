package api

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/altcha"
	"github.com/headsup/headsup/report"
)

// metaAPI serves the form schema. It never changes while the server runs, so each language's
// answer is encoded once at start-up.
type metaAPI struct {
	encoded map[string][]byte
}

type metaOption struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

type metaField struct {
	Name      string       `json:"name"`
	Type      string       `json:"type"`
	Required  bool         `json:"required"`
	MaxLength int          `json:"max_length,omitempty"`
	MaxItems  int          `json:"max_items,omitempty"`
	Label     string       `json:"label"`
	Hint      string       `json:"hint,omitempty"`
	Options   []metaOption `json:"options,omitempty"`
}

type metaKind struct {
	Code   report.Kind `json:"code"`
	Label  string      `json:"label"`
	Fields []metaField `json:"fields"`
}

type metaPoW struct {
	Algorithm string `json:"algorithm"`
	MaxNumber int64  `json:"maxnumber"`
	URL       string `json:"challenge_url"`
}

// Meta is the whole schema a client builds its forms from.
type Meta struct {
	Language       string       `json:"lang"`
	Kinds          []metaKind   `json:"kinds"`
	Areas          []metaOption `json:"areas"`
	Languages      []metaOption `json:"languages"`
	Severities     []metaOption `json:"severities"`
	VAPIDPublicKey string       `json:"vapid_public_key"`
	ProofOfWork    metaPoW      `json:"pow"`
}

// BuildMeta assembles the schema in one language.
func BuildMeta(lang string, areas []report.Area, vapidKey string, maxNumber int64) Meta {
	m := Meta{
		Language:       lang,
		VAPIDPublicKey: vapidKey,
		ProofOfWork:    metaPoW{Algorithm: altcha.Algorithm, MaxNumber: maxNumber, URL: "/api/v1/challenge"},
	}
	for _, l := range report.Languages { // each named in itself, from report's catalog
		m.Languages = append(m.Languages, metaOption{l, report.LanguageName(l)})
	}
	for _, k := range report.Kinds {
		mk := metaKind{Code: k, Label: report.KindLabel(lang, k)}
		for _, f := range report.Schema(k) {
			mf := metaField{Name: f.Name, Type: string(f.Type), Required: f.Required, MaxLength: f.MaxLength, MaxItems: f.MaxItems,
				Label: report.FieldLabel(lang, f.Name), Hint: report.FieldHint(lang, f.Name)}
			for _, o := range f.Options {
				mf.Options = append(mf.Options, metaOption{o, report.OptionLabel(lang, f.Name, o)})
			}
			mk.Fields = append(mk.Fields, mf)
		}
		m.Kinds = append(m.Kinds, mk)
	}
	for _, a := range areas {
		m.Areas = append(m.Areas, metaOption{a.Code, report.AreaName(areas, lang, a.Code)})
	}
	for _, s := range report.Severities {
		m.Severities = append(m.Severities, metaOption{string(s), report.SeverityLabel(lang, s)})
	}
	return m
}

func newMetaAPI(areas []report.Area, vapidKey string, maxNumber int64) *metaAPI {
	h := &metaAPI{encoded: map[string][]byte{}}
	for _, lang := range report.Languages {
		data, err := json.Marshal(BuildMeta(lang, areas, vapidKey, maxNumber))
		if err != nil {
			panic(err) // only fixed types: cannot fail
		}
		h.encoded[lang] = data
	}
	return h
}

func (h *metaAPI) showMeta(c *gin.Context) {
	c.Header("Vary", "Accept-Language")
	c.Header("Cache-Control", "public, max-age=300")
	c.Data(http.StatusOK, "application/json; charset=utf-8", h.encoded[language(c)])
}

// challengeAPI hands out proof-of-work challenges.
type challengeAPI struct{ issuer *altcha.Issuer }

func (h *challengeAPI) newChallenge(c *gin.Context) {
	ch, err := h.issuer.New()
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, ch)
}
