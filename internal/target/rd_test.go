package target

import "testing"

func TestRD(t *testing.T) {
	for _, c := range []struct {
		query, want string
		found       bool
	}{
		// nginx's unencoded $request_uri arrives whole.
		{"rd=/p?a=1&b=2", "/p?a=1&b=2", true},
		{"rd=/p", "/p", true},
		{"x=1&rd=/p?a=1&b=2", "/p?a=1&b=2", true},
		{"rd=https://app.example.com/p?a=1&b=2", "https://app.example.com/p?a=1&b=2", true},
		{"rd=HTTPS://app.example.com/p", "HTTPS://app.example.com/p", true},
		{"rd=http://localhost:9080/", "http://localhost:9080/", true},
		// A target sent encoded is decoded once.
		{"rd=%2Fp%3Fa%3D1", "/p?a=1", true},
		{"rd=%2Fp%3Fa%3D1%26b%3D2", "/p?a=1&b=2", true},
		{"rd=https%3A%2F%2Fapp.example.com%2Fp", "https://app.example.com/p", true},
		{"rd=https:%2F%2Fapp.example.com%2Fp", "https://app.example.com/p", true},
		{"rd=%252Fp", "%2Fp", true},
		{"rd=%2F%252F", "/%2F", true},
		{"rd=%2Fp%3Fq%3Da+b", "/p?q=a+b", true}, // "+" is left to the target's own query
		// Mixed: a value that begins as a target ("/" or "http(s)://") is
		// taken as sent, its escapes belonging to the target; any other is
		// decoded once as a whole, raw parts and all.
		{"rd=/p%3Fa%3D1", "/p%3Fa%3D1", true},
		{"rd=/search?next=%2Fadmin", "/search?next=%2Fadmin", true},
		{"rd=https://app.example.com/p?next=%2Fq", "https://app.example.com/p?next=%2Fq", true},
		{"rd=%2Fp?a=1&b=%2F", "/p?a=1&b=/", true},
		{"rd=%2Fa/b", "/a/b", true},
		// rd takes the rest of the query, another rd included.
		{"rd=/a&rd=/b", "/a&rd=/b", true},
		{"rd=/a&x=1", "/a&x=1", true},
		// Only a parameter named rd.
		{"ard=/a", "", false},
		{"x=rd=/a", "", false},
		{"x=1%26rd=/a", "", false},
		{"RD=/a", "", false},
		{"rd", "", false},
		{"", "", false},
		{"x=1", "", false},
		{"rd=", "", true},
		{"&rd=/a", "/a", true},
		// Unreadable escapes: no target.
		{"rd=%2Fp%zz", "", false},
		{"rd=%", "", false},
		// Whatever RD gives, Judge still decides.
		{"rd=//evil.com", "//evil.com", true},
		{"rd=%2F%2Fevil.com", "//evil.com", true},
	} {
		got, found := RD(c.query)
		if got != c.want || found != c.found {
			t.Errorf("RD(%q) = %q, %v; want %q, %v", c.query, got, found, c.want, c.found)
		}
	}
}

// The encoded and the raw forms of a target reach the same judgement.
func TestRDThenJudge(t *testing.T) {
	self := mustOrigin(t, "https", "app.example.com")
	allowed := fixtures[1].parse(t)
	for query, want := range map[string]string{
		"rd=/p?a=1&b=2":                                    "/p?a=1&b=2",
		"rd=%2Fp%3Fa%3D1%26b%3D2":                          "/p?a=1&b=2",
		"rd=https://app.example.com/p?a=1":                 "/p?a=1",
		"rd=https%3A%2F%2Fapp.example.com%2Fp%3Fa%3D1":     "/p?a=1",
		"rd=https%3A%2F%2Fb.example.com%2Fp":               "https://b.example.com/p",
		"rd=https%3A%2F%2Fevil.net%2Fp":                    "/",
		"rd=%2F%2Fevil.net":                                "/",
		"rd=%252F%252Fevil.net":                            "/",
		"rd=/%2F/evil.net":                                 "/",
		"rd=%2F%09%2Fevil.net":                             "/",
		"rd=https://app.example.com%2F@evil.net":           "/",
		"rd=https%3A%2F%2Fapp.example.com%252F%40evil.net": "/",
	} {
		rd, _ := RD(query)
		if got, _ := Judge(rd, self, allowed); got != want {
			t.Errorf("RD(%q) then Judge = %q, want %q", query, got, want)
		}
	}
}
