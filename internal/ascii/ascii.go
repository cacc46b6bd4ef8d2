// Package ascii holds the byte-level shapes the plugin checks values
// against before they go into a cookie, a header, a storage key or a log:
// Instagram ids, HTTP tokens, usernames, host names. One home, so that two
// parts never disagree on what an id or a token character is.
package ascii

import "strings"

// IsAlnum reports an ASCII letter or digit.
func IsAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// IsTchar reports RFC 9110's tchar: the characters of a header name, a
// cookie name or an authentication scheme.
func IsTchar(c byte) bool {
	return IsAlnum(c) || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// AlnumOr reports whether every byte of s is a letter, a digit or one of
// extra.
func AlnumOr(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		if !IsAlnum(s[i]) && strings.IndexByte(extra, s[i]) < 0 {
			return false
		}
	}
	return true
}

// Digits reports 1 to max decimal digits and nothing else: an Instagram id
// (17 digits today), a unix time.
func Digits(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
