package ascii

import "testing"

func TestShapes(t *testing.T) {
	for s, want := range map[string]bool{"": false, "0": true, "17841405793187218": true, "1a": false, "-1": false,
		" 1": false, "١": false, "123456789012345678901234567890123": false} {
		if got := Digits(s, 32); got != want {
			t.Errorf("Digits(%q, 32) = %v", s, got)
		}
	}
	for _, c := range []byte("azAZ09") {
		if !IsAlnum(c) || !IsTchar(c) {
			t.Errorf("%q", c)
		}
	}
	for _, c := range []byte(" ;,\"()/:<=>?@[\\]{}\x7f\x00é") {
		if IsTchar(c) {
			t.Errorf("IsTchar(%q)", c)
		}
	}
	if !AlnumOr("a.b_c", "._") || AlnumOr("a-b", "._") || !AlnumOr("", "") {
		t.Error("AlnumOr")
	}
}
