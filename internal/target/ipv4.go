package target

import (
	"net/netip"
	"strconv"
	"strings"
)

// endsInNumber reports whether a browser reads name as an IPv4 address:
// it does when the last label is decimal digits or 0x and hex digits,
// whatever the other labels are ("2130706433", "0x7f.1", "example.0x1").
func endsInNumber(name string) bool {
	last := name[strings.LastIndexByte(name, '.')+1:]
	if hex, ok := strings.CutPrefix(strings.ToLower(last), "0x"); ok {
		return strings.Trim(hex, "0123456789abcdef") == ""
	}
	return last != "" && strings.Trim(last, "0123456789") == ""
}

// parseIPv4 reads an address as browsers do: one to four parts, each
// decimal, octal (leading 0) or hex (0x), the last filling the bytes
// left ("127.1" is 127.0.0.1, "2130706433" too). It answers the dotted
// form, or false where a browser refuses the URL.
func parseIPv4(name string) (string, bool) {
	parts := strings.Split(name, ".")
	if len(parts) > 4 {
		return "", false
	}
	var v uint64
	for i, part := range parts {
		n, ok := ipv4Number(part)
		if !ok {
			return "", false
		}
		if i < len(parts)-1 {
			if n > 255 {
				return "", false
			}
			v |= n << (8 * (3 - i))
			continue
		}
		if n >= 1<<(8*(5-len(parts))) {
			return "", false
		}
		v |= n
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).String(), true
}

func ipv4Number(s string) (uint64, bool) {
	base := 10
	switch {
	case s == "":
		return 0, false
	case len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'):
		if s = s[2:]; s == "" {
			return 0, true
		}
		base = 16
	case len(s) >= 2 && s[0] == '0':
		s, base = s[1:], 8
	}
	// ParseUint takes no sign or underscore with an explicit base.
	n, err := strconv.ParseUint(s, base, 64)
	return n, err == nil
}
