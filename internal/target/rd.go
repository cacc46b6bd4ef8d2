package target

import (
	"net/url"
	"strings"
)

// RD reads the rd parameter of a start request from its query as sent
// (the raw query, undecoded). rd is the last parameter and takes the rest
// of the query verbatim, so that nginx's unencoded $request_uri
// ("rd=/p?a=1&b=2") arrives whole.
//
// A value that begins as a target does — "/", "http://" or "https://" —
// is taken as sent: its escapes belong to the target ("rd=/p?next=%2Fq"
// keeps "%2F"). Any other value was encoded by the sender and is
// percent-decoded once, as a whole ("%2Fp%3Fa%3D1" is "/p?a=1", "%252F"
// is "%2F"; a mixed "%2Fp?a=%2F" is "/p?a=/"); "+" stays "+", left to
// the target's own query. found is false without an rd parameter or
// with a value whose escapes do not decode. Judge decides the rest.
func RD(rawQuery string) (rd string, found bool) {
	v, found := rdValue(rawQuery)
	if !found || sentAsTarget(v) {
		return v, found
	}
	d, err := url.PathUnescape(v)
	if err != nil {
		return "", false
	}
	return d, true
}

func rdValue(q string) (string, bool) {
	if v, ok := strings.CutPrefix(q, "rd="); ok {
		return v, true
	}
	if _, v, ok := strings.Cut(q, "&rd="); ok {
		return v, true
	}
	return "", false
}

func sentAsTarget(v string) bool {
	return strings.HasPrefix(v, "/") || hasPrefixFold(v, "http://") || hasPrefixFold(v, "https://")
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
