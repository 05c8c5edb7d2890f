// Package api is the JSON API under /api/v1: what the public pages' JavaScript and any other
// client use to read alerts, file reports, follow receipts and manage push subscriptions.
package api

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/intake"
	"github.com/headsup/headsup/report"
	"github.com/headsup/headsup/store"
	"github.com/headsup/headsup/web"
)

// Error is one entry of the table of errors a client can receive. Codes are stable: clients
// branch on them; messages are for people. It has the platform's shape, so that the errors the
// engine answers before any handler runs (404, 405, 413, cross-origin, panic) sit in the same
// table.
type Error web.Error

func (e *Error) Error() string { return e.Code + ": " + e.Message }

var (
	errBadJSON         = &Error{http.StatusBadRequest, "invalid_json", "The request body is not valid JSON of the expected shape."}
	errBadField        = &Error{http.StatusBadRequest, "invalid_field", "Some fields need fixing."}
	errBadProof        = &Error{http.StatusBadRequest, "invalid_proof", "The anti-spam check failed or expired. Reload the page and try again."}
	errReplayedProof   = &Error{http.StatusBadRequest, "replayed_proof", "This anti-spam check was already used. Reload the page and try again."}
	errBadQuery        = &Error{http.StatusBadRequest, "invalid_query", "A query parameter is not valid."}
	errNotFound        = (*Error)(web.ErrNotFound)
	errReceiptNotFound = &Error{http.StatusNotFound, "receipt_not_found", "No report has this receipt code. Check the code and try again."}
	errNotOpen         = &Error{http.StatusConflict, "report_closed", "This report can no longer be changed."}
	errTooLarge        = (*Error)(web.ErrTooLarge)
	errMediaType       = &Error{http.StatusUnsupportedMediaType, "unsupported_media_type", "Send the body as application/json."}
	errUnauthorized    = &Error{http.StatusUnauthorized, "unauthorized", "A valid token is required."}
	errRateLimited     = &Error{http.StatusTooManyRequests, "rate_limited", "Too many requests from this connection. Wait retry_after seconds and try again; a report with a solved anti-spam check is never limited this way."}
	errUnavailable     = &Error{http.StatusServiceUnavailable, "unavailable", "The service is briefly unavailable. Try again in a minute; nothing you sent was stored."}
	errInternal        = (*Error)(web.ErrInternal)
)

// writeError answers with the JSON error for err and aborts the chain. The use cases' domain
// errors are mapped to the table here and nowhere else. Errors that are not in the table are
// logged once here, without anything from the request, and become a 500 — or a 503 with
// Retry-After when the database is unreachable, which is not the client's fault and will pass.
func writeError(c *gin.Context, err error) {
	var (
		ae *Error
		ve *report.ValidationError
		le *intake.RateLimitedError
	)
	switch {
	case errors.As(err, &ve):
		code := ve.Code
		if code == "" {
			code = errBadField.Code
		}
		lang := language(c)
		web.WriteJSONError(c, http.StatusBadRequest, web.ErrorDetail{Code: code, Message: ve.Summary(lang), Fields: ve.Messages(lang)})
		return
	case errors.As(err, &le):
		// The wait is in the body too, for clients that cannot read headers (a fetch through
		// some proxies) and to say it in words.
		c.Header("Retry-After", strconv.Itoa(le.Seconds()))
		c.AbortWithStatusJSON(errRateLimited.Status, rateLimitedBody{rateLimitedDetail{
			Code: errRateLimited.Code, Message: errRateLimited.Message, RetryAfter: le.Seconds(),
		}})
		return
	case errors.As(err, &ae):
		// already one of the table's errors
	case errors.Is(err, intake.ErrNotFound):
		ae = errReceiptNotFound
	case errors.Is(err, intake.ErrClosed):
		ae = errNotOpen
	case errors.Is(err, intake.ErrBadProof):
		ae = errBadProof
	case errors.Is(err, intake.ErrReplayedProof):
		ae = errReplayedProof
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
	web.WriteError(c, (*web.Error)(ae))
}

// rateLimitedBody is the error shape with the seconds to wait, as Retry-After has them.
type rateLimitedBody struct {
	Error rateLimitedDetail `json:"error"`
}

type rateLimitedDetail struct {
	Code       string `json:"code"`
	Message    string `json:"message"`
	RetryAfter int    `json:"retry_after"`
}

// language picks the answer's language from ?lang= or Accept-Language (web.Language).
func language(c *gin.Context) string {
	lang, _ := web.Language(c)
	return lang
}
