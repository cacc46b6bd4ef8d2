package instagramauth

import (
	"net/http"

	"github.com/b4b0c547/caddy-instagram-auth/internal/record"
)

func (ih *identityHeaders) set(hdr http.Header, s *record.Session) { ih.setAll(hdr, s, "") }
