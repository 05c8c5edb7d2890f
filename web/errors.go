package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// Error is an error answered as JSON with a stable code clients branch on and a message for
// people. The API's error table is made of these; the ones below are the platform's own,
// answered before any front end's handler runs.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// The errors the platform answers itself.
var (
	ErrNotFound    = &Error{http.StatusNotFound, "not_found", "Nothing was found here."}
	ErrMethod      = &Error{http.StatusMethodNotAllowed, "method_not_allowed", "This method is not allowed here."}
	ErrTooLarge    = &Error{http.StatusRequestEntityTooLarge, "too_large", "The request is too large (64 KiB at most)."}
	ErrCrossOrigin = &Error{http.StatusForbidden, "cross_origin", "Requests from other sites are refused. Use the form on this site."}
	ErrInternal    = &Error{http.StatusInternalServerError, "internal", "Something went wrong on our side. Nothing you sent was stored."}
)

// ErrorDetail is the body of every JSON error answer, as {"error": ErrorDetail}: one shape
// whether the platform or a front end wrote it.
type ErrorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

type errorBody struct {
	Error ErrorDetail `json:"error"`
}

// WriteJSONError answers status with {"error": d} and aborts the chain.
func WriteJSONError(c *gin.Context, status int, d ErrorDetail) {
	c.AbortWithStatusJSON(status, errorBody{d})
}

// WriteError answers e as JSON and aborts the chain.
func WriteError(c *gin.Context, e *Error) {
	WriteJSONError(c, e.Status, ErrorDetail{Code: e.Code, Message: e.Message})
}
