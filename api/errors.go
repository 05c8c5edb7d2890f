// Package api is the JSON API under /api/v1: what the public pages' JavaScript and any other
// client use to read alerts, file reports, follow receipts and manage push subscriptions.
package api

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
)

// Error is one entry of the table of errors a client can receive. Codes are stable: clients
// branch on them; messages are for people.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

var (
	errBadJSON         = &Error{http.StatusBadRequest, "invalid_json", "The request body is not valid JSON of the expected shape."}
	errBadField        = &Error{http.StatusBadRequest, "invalid_field", "Some fields need fixing."}
	errBadProof        = &Error{http.StatusBadRequest, "invalid_proof", "The anti-spam check failed or expired. Reload the page and try again."}
	errReplayedProof   = &Error{http.StatusBadRequest, "replayed_proof", "This anti-spam check was already used. Reload the page and try again."}
	errBadQuery        = &Error{http.StatusBadRequest, "invalid_query", "A query parameter is not valid."}
	errNotFound        = &Error{http.StatusNotFound, "not_found", "Nothing was found here."}
	errReceiptNotFound = &Error{http.StatusNotFound, "receipt_not_found", "No report has this receipt code. Check the code and try again."}
	errNotOpen         = &Error{http.StatusConflict, "report_closed", "This report can no longer be changed."}
	errMethod          = &Error{http.StatusMethodNotAllowed, "method_not_allowed", "This method is not allowed here."}
	errTooLarge        = &Error{http.StatusRequestEntityTooLarge, "too_large", "The request is too large (64 KiB at most)."}
	errMediaType       = &Error{http.StatusUnsupportedMediaType, "unsupported_media_type", "Send the body as application/json."}
	errCrossOrigin     = &Error{http.StatusForbidden, "cross_origin", "Requests from other sites are refused. Use the form on this site."}
	errUnauthorized    = &Error{http.StatusUnauthorized, "unauthorized", "A valid token is required."}
	errRateLimited     = &Error{http.StatusTooManyRequests, "rate_limited", "Too many requests. Wait a little and try again."}
	errUnavailable     = &Error{http.StatusServiceUnavailable, "unavailable", "The service is briefly unavailable. Try again in a minute; nothing you sent was stored."}
	errInternal        = &Error{http.StatusInternalServerError, "internal", "Something went wrong on our side. Nothing you sent was stored."}
)

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// writeError answers with the JSON error for err and aborts the chain. Errors that are not in
// the table are logged once here, without anything from the request, and become a 500 — or a
// 503 with Retry-After when the database is unreachable, which is not the client's fault and
// will pass.
func writeError(c *gin.Context, err error) {
	var (
		ae *Error
		ve *report.ValidationError
		le *limitedError
	)
	switch {
	case errors.As(err, &ve):
		code := ve.Code
		if code == "" {
			code = errBadField.Code
		}
		lang := language(c)
		c.AbortWithStatusJSON(http.StatusBadRequest, errorBody{errorDetail{Code: code, Message: ve.Summary(lang), Fields: ve.Messages(lang)}})
		return
	case errors.As(err, &le):
		c.Header("Retry-After", strconv.Itoa(le.seconds()))
		ae = errRateLimited
	case errors.As(err, &ae):
		// already one of the table's errors
	case errors.Is(err, store.ErrNotFound):
		ae = errNotFound
	case errors.Is(err, store.ErrUnavailable):
		slog.Warn("database unavailable", "route", c.FullPath(), "err", err)
		c.Header("Retry-After", "30")
		ae = errUnavailable
	default:
		slog.Error("request failed", "route", c.FullPath(), "err", err)
		ae = errInternal
	}
	c.AbortWithStatusJSON(ae.Status, errorBody{errorDetail{Code: ae.Code, Message: ae.Message}})
}

// language picks en or es from ?lang= or Accept-Language.
func language(c *gin.Context) string {
	if l := c.Query("lang"); l != "" {
		return report.MatchLanguage(l)
	}
	return report.MatchLanguage(c.GetHeader("Accept-Language"))
}
