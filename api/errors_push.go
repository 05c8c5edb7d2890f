package api

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/push"
	"github.com/headsup/headsup/web"
)

var errBadSubscription = &Error{http.StatusBadRequest, "invalid_field", "Some fields of the subscription need fixing."}

// writePushError answers the errors of the push service the way writeError answers the rest:
// a subscription's problems per field in the client's language, a wrong token as 401.
func writePushError(c *gin.Context, err error) {
	var ve *push.ValidationError
	switch {
	case errors.As(err, &ve):
		web.WriteJSONError(c, errBadSubscription.Status, web.ErrorDetail{
			Code: errBadSubscription.Code, Message: errBadSubscription.Message, Fields: ve.Messages(language(c))})
	case errors.Is(err, push.ErrUnauthorized):
		c.Header("WWW-Authenticate", `Bearer realm="subscription"`)
		writeError(c, errUnauthorized)
	default:
		writeError(c, err)
	}
}
