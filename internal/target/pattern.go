package target

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// Patterns are the hosts a login may send the browser back to besides
// the one it started on (return_hosts). The zero Patterns allow none.
type Patterns struct {
	list []pattern
}

// pattern is an exact host, or with wildcard every host under it (not
// itself); port 0 matches any port.
type pattern struct {
	host     host
	wildcard bool
	port     int
}

// ParsePatterns reads return_hosts at config load. Each pattern is a host
// or "*." and a domain, with an optional ":port", written in any case
// or in Unicode; it must lie within cookieDomain (leading dot or not),
// since only hosts sharing the session cookie can be logged in by a
// return. The error names the pattern and says what is wrong with it.
func ParsePatterns(list []string, cookieDomain string) (Patterns, error) {
	if len(list) == 0 {
		return Patterns{}, nil
	}
	if cookieDomain == "" {
		return Patterns{}, errors.New("return_hosts needs cookie_domain: a login returns only to hosts that share its cookie")
	}
	domain, err := parseCookieDomain(cookieDomain)
	if err != nil {
		return Patterns{}, fmt.Errorf("cookie_domain %q: %v", cookieDomain, err)
	}
	p := Patterns{list: make([]pattern, 0, len(list))}
	for _, s := range list {
		pt, err := parsePattern(s, domain)
		if err != nil {
			return Patterns{}, fmt.Errorf("%q: %v", s, err) // the caller names the option
		}
		p.list = append(p.list, pt)
	}
	return p, nil
}

// Empty reports that no pattern was given: return targets stay on the
// site the login started on.
func (p Patterns) Empty() bool {
	return len(p.list) == 0
}

// Allows reports whether a login may return to o, a host other than the
// callback's: the root asks it before starting a login on o that
// finishes on a shared redirect_uri host.
func (p Patterns) Allows(o Origin) bool {
	return o.scheme != "" && p.match(o.host, o.port)
}

func (p Patterns) match(h host, port int) bool {
	for _, pt := range p.list {
		if pt.port != 0 && pt.port != port {
			continue
		}
		if pt.wildcard {
			// "*.example.com" is every host under it, not example.com.
			if !h.ip && strings.HasSuffix(h.name, "."+pt.host.name) {
				return true
			}
		} else if h == pt.host {
			return true
		}
	}
	return false
}

func parsePattern(s string, domain host) (pattern, error) {
	if strings.Contains(s, "/") {
		return pattern{}, errors.New("a host pattern has no scheme or path")
	}
	body, wildcard := strings.CutPrefix(s, "*.")
	hostText, _, _ := splitPort(body)
	switch {
	case hostText == "*" && !wildcard:
		return pattern{}, errors.New("a bare * would allow every host")
	case strings.Contains(hostText, "*"):
		return pattern{}, errors.New(`* is allowed only as a leading "*." label`)
	case wildcard && hostText == "":
		return pattern{}, errors.New(`"*." needs a domain after it`)
	}
	hp, err := parseHostPort(body)
	if err != nil {
		return pattern{}, fmt.Errorf("not a host[:port]: %v", err)
	}
	if wildcard {
		if err := checkWildcardDomain(hp.host); err != nil {
			return pattern{}, err
		}
	}
	if !within(hp.host, domain) {
		return pattern{}, fmt.Errorf("outside cookie_domain %q", strings.Trim(domain.name, "[]"))
	}
	return pattern{host: hp.host, wildcard: wildcard, port: hp.port}, nil
}

// checkWildcardDomain refuses a "*." whose hosts would have many owners:
// every .com, every co.uk, every github.io.
func checkWildcardDomain(h host) error {
	if h.ip {
		return errors.New(`IP literals are allowed only as exact hosts, not after "*."`)
	}
	if !strings.Contains(h.name, ".") {
		return fmt.Errorf(`"*." needs a domain of at least two labels: "*.%s" would allow every host under %s`, h.name, h.name)
	}
	if suffix, _ := publicsuffix.PublicSuffix(h.name); suffix == h.name {
		return fmt.Errorf(`%s is a public suffix: "*.%s" would allow hosts of unrelated owners`, h.name, h.name)
	}
	return nil
}

// parseCookieDomain reads cookie_domain as a host: a leading dot is
// allowed (and means nothing to browsers), an IPv6 address may come
// without brackets.
func parseCookieDomain(s string) (host, error) {
	s = strings.TrimPrefix(s, ".")
	if a, err := netip.ParseAddr(s); err == nil && a.Is6() {
		s = "[" + s + "]"
	}
	if !plain(s) {
		return host{}, fmt.Errorf("%q: not a host name", s)
	}
	return parseHost(s)
}

// within reports whether h is domain or a host under it (an IP address
// is only ever itself).
func within(h, domain host) bool {
	if h.ip || domain.ip {
		return h == domain
	}
	return h.name == domain.name || strings.HasSuffix(h.name, "."+domain.name)
}
