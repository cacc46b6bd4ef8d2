package target

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
)

// browserURL is where a browser connects for an http(s) URL.
type browserURL struct {
	scheme, host, port string // port: effective, "443" for a bare https
	userinfo           bool
}

// browserOrigin is the tests' oracle, written apart from the package's
// code: it reads raw as the WHATWG URL parser of browsers does — leading
// and trailing C0 controls and spaces trimmed, tabs and newlines dropped
// anywhere, "\" read as "/", any number of slashes after "https:"
// skipped (a browser does so when the page's scheme differs), the host
// after the last "@" — and then insists that the host is already in the
// form Judge must write: lower-case ASCII labels, dotted IPv4, or
// bracketed IPv6. Anything a browser would still rewrite is an error, so
// the host returned is exactly the one a browser connects to.
func browserOrigin(raw string) (browserURL, error) {
	s := strings.TrimFunc(raw, func(r rune) bool { return r <= ' ' })
	s = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(s)
	scheme, rest, found := strings.Cut(s, ":")
	scheme = strings.ToLower(scheme)
	if !found || scheme != "http" && scheme != "https" {
		return browserURL{}, errors.New("not an http(s) URL")
	}
	rest = strings.TrimLeft(rest, `/\`)
	if i := strings.IndexAny(rest, `/\?#`); i >= 0 {
		rest = rest[:i]
	}
	b := browserURL{scheme: scheme}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		b.userinfo, rest = true, rest[i+1:]
	}
	host, port, err := splitBrowserPort(rest)
	if err != nil {
		return browserURL{}, err
	}
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[scheme]
	}
	b.host, b.port = host, port
	return b, canonicalForBrowser(host)
}

func splitBrowserPort(hostport string) (host, port string, err error) {
	host = hostport
	if i := strings.LastIndex(hostport, ":"); i >= 0 && !strings.HasSuffix(hostport, "]") {
		host, port = hostport[:i], hostport[i+1:]
		if port != "" {
			n, err := strconv.ParseUint(port, 10, 16)
			if err != nil || strings.TrimLeft(port, "0123456789") != "" {
				return "", "", errors.New("bad port")
			}
			port = strconv.FormatUint(n, 10)
		}
	}
	return host, port, nil
}

func canonicalForBrowser(host string) error {
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		a, err := netip.ParseAddr(host[1 : len(host)-1])
		if err != nil || !a.Is6() || a.Zone() != "" {
			return errors.New("bad IPv6 literal")
		}
		return nil
	}
	labels := strings.Split(host, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || strings.Trim(l, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			return errors.New("host not in lower-case ASCII labels")
		}
	}
	last := labels[len(labels)-1]
	if strings.Trim(last, "0123456789") == "" || strings.HasPrefix(last, "0x") && strings.Trim(last[2:], "0123456789abcdef") == "" {
		// A browser reads a host ending in a number as an IPv4 address.
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is4() || a.String() != host {
			return errors.New("host a browser reads as a number, not dotted IPv4")
		}
	}
	return nil
}
