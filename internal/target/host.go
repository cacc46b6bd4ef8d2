package target

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// host is a host as a browser connects to it: lower-case ASCII labels
// (IDNA applied), an IPv4 address in dotted form, or an IPv6 address in
// brackets. Two hosts are the same host exactly when they are equal.
type host struct {
	name string
	ip   bool
}

// hostPort is a host and the port written after it (0 when none is).
type hostPort struct {
	host
	port int
}

// lookup maps a host name as browsers do (UTS #46 non-transitional, case
// and width folded), but also refuses what DNS cannot hold ("_", ";",
// empty labels), which browsers would let through to a failed lookup.
var lookup = idna.New(
	idna.MapForLookup(),
	idna.Transitional(false),
	idna.BidiRule(),
	idna.VerifyDNSLength(false), // labels are checked below, after the trailing dot goes
	idna.CheckHyphens(false),    // browsers accept labels such as "r3---sn"
)

var (
	errUserinfo = errors.New("a userinfo part (user@) is not allowed")
	errEmpty    = errors.New("empty host")
)

// parseHostPort reads "host[:port]" — a URL's authority, a Host header,
// a return_hosts pattern — as a browser reads a URL's authority, with
// no userinfo.
func parseHostPort(s string) (hostPort, error) {
	if strings.Contains(s, "@") {
		return hostPort{}, errUserinfo
	}
	hostText, portText, hasPort := splitPort(s)
	h, err := parseHost(hostText)
	if err != nil {
		return hostPort{}, err
	}
	hp := hostPort{host: h}
	if hasPort {
		if hp.port, err = parsePort(portText); err != nil {
			return hostPort{}, err
		}
	}
	return hp, nil
}

// splitPort cuts at the colon after the host; a malformed IPv6 literal
// stays whole, for parseHost to refuse.
func splitPort(s string) (host, port string, hasPort bool) {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 || end+1 == len(s) || s[end+1] != ':' {
			return s, "", false
		}
		return s[:end+1], s[end+2:], true
	}
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}

// parsePort accepts 1 to 65535 written plainly. Browsers also read
// "0443" as 443; refusing it keeps one spelling per port, so no two
// readers can disagree on it.
func parsePort(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 || s != strconv.Itoa(n) {
		return 0, fmt.Errorf("port %q: not a number from 1 to 65535 without leading zeros", s)
	}
	return n, nil
}

// parseHost follows the WHATWG URL host parser: IPv6 in brackets;
// otherwise percent-decoded, mapped to ASCII by IDNA (which lower-cases),
// a single trailing dot dropped, and a name ending in a number read as
// an IPv4 address, in any form a browser accepts.
func parseHost(s string) (host, error) {
	if s == "" {
		return host{}, errEmpty
	}
	if s[0] == '[' {
		return parseIPv6(s)
	}
	decoded, err := url.PathUnescape(s)
	if err != nil || !utf8.ValidString(decoded) {
		return host{}, fmt.Errorf("%q: bad percent-encoding", s)
	}
	name, err := lookup.ToASCII(decoded)
	if err != nil {
		return host{}, fmt.Errorf("%q: not a host name: %v", s, err)
	}
	// After IDNA, so that "。" and the like count as the dot they map to.
	name = strings.TrimSuffix(name, ".")
	if endsInNumber(name) {
		ip, ok := parseIPv4(name)
		if !ok {
			return host{}, fmt.Errorf("%q: ends in a number but is no IPv4 address", s)
		}
		return host{name: ip, ip: true}, nil
	}
	if !isDNSName(name) {
		return host{}, fmt.Errorf("%q: not a host name", s)
	}
	return host{name: name}, nil
}

func parseIPv6(s string) (host, error) {
	if !strings.HasSuffix(s, "]") {
		return host{}, fmt.Errorf("%q: bad IPv6 literal", s)
	}
	a, err := netip.ParseAddr(s[1 : len(s)-1])
	if err != nil || !a.Is6() || a.Zone() != "" {
		return host{}, fmt.Errorf("%q: bad IPv6 literal", s)
	}
	return host{name: "[" + a.String() + "]", ip: true}, nil
}

// isDNSName accepts lower-case ASCII letter-digit-hyphen labels of 1 to
// 63 bytes, 253 in all: what IDNA gave, checked again since it is what
// every match relies on.
func isDNSName(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	for label := range strings.SplitSeq(name, ".") {
		if label == "" || len(label) > 63 || strings.Trim(label, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			return false
		}
	}
	return true
}
