package throttle

import (
	"net"
	"net/netip"
)

// ClientKey names the client a limit applies to, from Caddy's client IP:
// its IPv4 address, or the /64 an IPv6 address belongs to, since one
// subscriber is usually given a whole /64 and could otherwise take a fresh
// address for every request.
func ClientKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		host, _, splitErr := net.SplitHostPort(ip) // a RemoteAddr, should Caddy not have set the client IP
		if addr, err = netip.ParseAddr(host); splitErr != nil || err != nil {
			return ip
		}
	}
	addr = addr.Unmap().WithZone("")
	if addr.Is4() {
		return addr.String()
	}
	return netip.PrefixFrom(addr, 64).Masked().String()
}
