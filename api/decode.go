package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/web"
)

// readJSON decodes the request body strictly into v: JSON only, valid UTF-8, no unknown
// fields, no trailing data. Every failure is the client's and becomes a 4xx.
func readJSON(c *gin.Context, v any) error {
	if mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type")); err != nil || mt != "application/json" {
		return errMediaType
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		if web.IsTooLarge(err) {
			return errTooLarge
		}
		return errBadJSON
	}
	if !utf8.Valid(body) {
		return &Error{errBadJSON.Status, "invalid_utf8", "The request is not valid UTF-8 text."}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badJSON(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &Error{errBadJSON.Status, errBadJSON.Code, "The request has data after the JSON object."}
	}
	return nil
}

// badJSON explains a decoding error without echoing the input back.
func badJSON(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return &Error{errBadJSON.Status, errBadJSON.Code, "The field " + te.Field + " has the wrong type: expected " + te.Type.String() + "."}
	}
	if msg := err.Error(); len(msg) > 20 && msg[:20] == "json: unknown field " {
		return &Error{errBadJSON.Status, "unknown_field", "The request has a field this API does not know: " + msg[20:] + "."}
	}
	return errBadJSON
}
