package target

import "testing"

// A browser that started on https is never sent back to an http:// page:
// its Secure cookies would not come along (the login would loop), and a
// network attacker would serve the first page after a login. From a plain
// HTTP origin (a development site with insecure_cookies) either scheme is
// a return target.
func TestJudgeNeverDowngrades(t *testing.T) {
	allowed := fixtures[1].parse(t)
	for _, c := range []struct{ self, raw, want string }{
		{"https", "http://app.example.com/x", "/"},
		{"https", "http://app.example.com:443/x", "/"},
		{"https", "http://auth.example.com/x", "/"}, // this host, but not this origin
		{"https", "HTTP://app.example.com/x", "/"},
		{"https", "https://app.example.com/x", "https://app.example.com/x"},
		{"http", "http://app.example.com/x", "http://app.example.com/x"},
		{"http", "http://app.example.com:80/x", "http://app.example.com/x"},
		{"http", "http://app.example.com:443/x", "http://app.example.com:443/x"},
		{"http", "https://app.example.com/x", "https://app.example.com/x"},
		{"http", "http://auth.example.com/x", "/x"},
	} {
		self := mustOrigin(t, c.self, "auth.example.com")
		got, ok := Judge(c.raw, self, allowed)
		if got != c.want || ok != (c.want != "/") {
			t.Errorf("from %s: Judge(%q) = %q, %v; want %q", c.self, c.raw, got, ok, c.want)
		}
	}
	// The zero Origin (a request whose host could not be read) is no https
	// start: nothing to downgrade from.
	if got, _ := Judge("http://app.example.com/x", Origin{}, allowed); got != "http://app.example.com/x" {
		t.Errorf("from no origin: %q", got)
	}
}

func TestPatternsEmpty(t *testing.T) {
	if !(Patterns{}).Empty() {
		t.Error("the zero Patterns is not empty")
	}
	if fixtures[1].parse(t).Empty() {
		t.Error("two patterns are empty")
	}
}
