package moderation

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/headsup/headsup/store"
)

type accountsData struct {
	Accounts []store.Moderator
	Roles    []string
	Error    string
	Name     string
	Role     string
	// Issued is a one-time password just created, shown once on this response only.
	Issued     string
	IssuedFor  string
	SignInURL  string
	IssuedWhat string
}

func (s *server) accountsPage(c *gin.Context, status int, d accountsData) {
	list, err := s.accounts.List(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	d.Accounts, d.Roles, d.SignInURL = list, Roles, s.baseURL+"/moderation/login"
	if d.Role == "" {
		d.Role = store.RoleModerator
	}
	s.render(c, status, "accounts", "accounts.title", d)
}

func (s *server) showAccounts(c *gin.Context) { s.accountsPage(c, http.StatusOK, accountsData{}) }

// addAccount creates an account and shows its one-time password once.
func (s *server) addAccount(c *gin.Context) {
	name, role := c.PostForm("name"), c.PostForm("role")
	otp, err := s.accounts.Add(c.Request.Context(), me(c).Name, name, role)
	var p problem
	switch {
	case errors.As(err, &p):
		s.accountsPage(c, http.StatusBadRequest, accountsData{Error: p.In(pageLanguage(c)), Name: name, Role: role})
	case errors.Is(err, store.ErrExists):
		s.accountsPage(c, http.StatusBadRequest, accountsData{Error: catalog.Text(pageLanguage(c), "error.account_exists"), Name: name, Role: role})
	case err != nil:
		s.fail(c, err)
	default:
		s.accountsPage(c, http.StatusOK, accountsData{Issued: otp, IssuedFor: name, IssuedWhat: "created"})
	}
}

// accountByID finds the account of the URL for the account actions.
func (s *server) accountByID(c *gin.Context) (*store.Moderator, bool) {
	m, ok := loadByID(s, c, s.store.Moderator)
	if !ok {
		return nil, false
	}
	if m.ID == me(c).ID {
		// Locking oneself out by mistake would leave an organisation with one admin stuck.
		s.showMessage(c, http.StatusConflict, "message.own_account.heading", "message.own_account.text", "link.accounts", "/moderation/admin/accounts")
		return nil, false
	}
	return m, true
}

func (s *server) setDisabled(disabled bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		m, ok := s.accountByID(c)
		if !ok {
			return
		}
		if err := s.accounts.setDisabled(c.Request.Context(), me(c).Name, m, disabled); err != nil {
			s.fail(c, err)
			return
		}
		done := "enabled"
		if disabled {
			done = "disabled"
		}
		c.Redirect(http.StatusSeeOther, "/moderation/admin/accounts?done="+done)
	}
}

// resetAccount issues a new one-time password and requires a new TOTP enrolment.
func (s *server) resetAccount(c *gin.Context) {
	m, ok := s.accountByID(c)
	if !ok {
		return
	}
	otp, err := s.accounts.reset(c.Request.Context(), me(c).Name, m)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.accountsPage(c, http.StatusOK, accountsData{Issued: otp, IssuedFor: m.Name, IssuedWhat: "reset"})
}
