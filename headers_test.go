package instagramauth

import (
	"github.com/b4b0c547/caddy-instagram-auth/internal/record"

	"net/http"
	"reflect"
	"sort"
	"testing"
)

func unitDefaultHeaders() identityHeaders {
	return newIdentityHeaders(defaultHeaderUserID, defaultHeaderUsername, defaultHeaderToken, "")
}

func TestRemoveFromStripsEverySpelling(t *testing.T) {
	ih := unitDefaultHeaders()
	spoofed := []string{
		"X-Instagram-User-Id",
		"x-instagram-user-id",
		"X-INSTAGRAM-USER-ID",
		"X_INSTAGRAM_USER_ID",
		"x_instagram_user_id",
		"X-Instagram_User-Id",
		"X_Instagram-User_Id",
		"X-Instagram-Username",
		"x_instagram_username",
		"X-INSTAGRAM_USERNAME",
		"X-Instagram-Access-Token",
		"x_instagram_access_token",
		"X-Instagram-Access_Token",
	}
	kept := map[string][]string{
		"X-Instagram-User-Idx":   {"k1"},
		"X-Instagram-User":       {"k2"},
		"X-Other":                {"k3"},
		"Instagram-User-Id":      {"k4"},
		"X-Instagram-User-Id-2":  {"k5"},
		"Xinstagram-User-Id":     {"k6"},
		"X-Instagram-Usernames":  {"k7"},
		"X-Instagram.User.Id":    {"k8"},
		"Authorization":          {"Bearer x"},
		"X-Instagram-Access-Tok": {"k9"},
	}

	hdr := http.Header{}
	for _, name := range spoofed {
		// Raw map keys, as a client's non-canonical spelling may arrive
		// (HTTP/2 lower case, or a name with "_" that Go leaves alone).
		hdr[name] = []string{"666"}
	}
	hdr.Add("X-Instagram-User-Id", "777") // and canonical via Add
	for k, v := range kept {
		hdr[k] = v
	}
	ih.removeFrom(hdr)
	for _, name := range spoofed {
		if _, ok := hdr[name]; ok {
			t.Errorf("client header %q survived", name)
		}
	}
	if !reflect.DeepEqual(map[string][]string(hdr), kept) {
		t.Errorf("unrelated headers changed:\n got %v\nwant %v", hdr, kept)
	}
}

func TestRemoveFromCustomNames(t *testing.T) {
	ih := newIdentityHeaders("Remote-User", "remote_name", "X-Token", "")
	hdr := http.Header{
		"Remote-User":              {"a"},
		"REMOTE_USER":              {"b"},
		"Remote-Name":              {"c"},
		"remote-name":              {"d"},
		"X_TOKEN":                  {"e"},
		"X-Instagram-User-Id":      {"default name, not configured: still stripped"},
		"X-Instagram-Access-Token": {"default token name, not configured: still stripped"},
		"Remote-Users":             {"kept"},
	}
	ih.removeFrom(hdr)
	var left []string
	for k := range hdr {
		left = append(left, k)
	}
	sort.Strings(left)
	want := []string{"Remote-Users"}
	if !reflect.DeepEqual(left, want) {
		t.Errorf("left %v, want %v", left, want)
	}
}

func TestRemoveFromWithTokenOff(t *testing.T) {
	// header_token off: no token goes upstream, but a client copy of the
	// default token header is still removed.
	ih := newIdentityHeaders(defaultHeaderUserID, defaultHeaderUsername, optionOff, "")
	hdr := http.Header{
		"X-Instagram-Access-Token": {"forged"},
		"x_instagram_access_token": {"forged"},
		"X-Instagram-User-Id":      {"forged"},
		"Off":                      {"kept"},
	}
	ih.removeFrom(hdr)
	if len(hdr) != 1 || hdr.Get("Off") != "kept" {
		t.Errorf("after removeFrom: %v", hdr)
	}

	// A custom token name: both it and the default name are stripped, so
	// an upstream written for the default is never fed a client's token.
	ih = newIdentityHeaders(defaultHeaderUserID, defaultHeaderUsername, "X-Custom-Token", "")
	hdr = http.Header{"X-Instagram-Access-Token": {"forged"}, "X-Custom-Token": {"forged"}, "Other": {"kept"}}
	ih.removeFrom(hdr)
	if len(hdr) != 1 || hdr.Get("Other") != "kept" {
		t.Errorf("custom token name: after removeFrom: %v", hdr)
	}
}

func TestRemoveFromEmptyAndNil(t *testing.T) {
	ih := unitDefaultHeaders()
	ih.removeFrom(nil)
	hdr := http.Header{}
	ih.removeFrom(hdr)
	if len(hdr) != 0 {
		t.Errorf("empty header grew: %v", hdr)
	}
}

func TestSetHeaders(t *testing.T) {
	s := &record.Session{UserID: "17841405793187218", Username: "alice", Token: "TOKEN", Expires: 1}

	hdr := http.Header{}
	ih := unitDefaultHeaders()
	ih.set(hdr, s)
	want := http.Header{
		"X-Instagram-User-Id":      {"17841405793187218"},
		"X-Instagram-Username":     {"alice"},
		"X-Instagram-Access-Token": {"TOKEN"},
	}
	if !reflect.DeepEqual(hdr, want) {
		t.Errorf("set: got %v, want %v", hdr, want)
	}

	// No username: no username header at all (not an empty one).
	hdr = http.Header{}
	ih.set(hdr, &record.Session{UserID: "1", Token: "T"})
	if _, ok := hdr["X-Instagram-Username"]; ok || len(hdr) != 2 {
		t.Errorf("set without username: %v", hdr)
	}

	// Token off: no token header.
	ih = newIdentityHeaders(defaultHeaderUserID, defaultHeaderUsername, optionOff, "")
	hdr = http.Header{}
	ih.set(hdr, s)
	want = http.Header{
		"X-Instagram-User-Id":  {"17841405793187218"},
		"X-Instagram-Username": {"alice"},
	}
	if !reflect.DeepEqual(hdr, want) {
		t.Errorf("set with token off: got %v, want %v", hdr, want)
	}

	// Custom names are set canonical, whatever their configured case.
	ih = newIdentityHeaders("remote-user", "REMOTE-NAME", "x-token", "")
	hdr = http.Header{}
	ih.set(hdr, s)
	want = http.Header{
		"Remote-User": {"17841405793187218"},
		"Remote-Name": {"alice"},
		"X-Token":     {"TOKEN"},
	}
	if !reflect.DeepEqual(hdr, want) {
		t.Errorf("set with custom names: got %v, want %v", hdr, want)
	}
	if hdr.Get("remote-user") != s.UserID {
		t.Error("Get cannot find the user id header")
	}

	// Appending to one header must not change another (shared backing).
	hdr.Add("Remote-User", "extra")
	if hdr.Get("Remote-Name") != "alice" || hdr.Get("X-Token") != "TOKEN" {
		t.Errorf("Add to one header changed another: %v", hdr)
	}
}

// Strip then set, as ServeHTTP does: only our values reach the upstream.
func TestStripThenSet(t *testing.T) {
	ih := unitDefaultHeaders()
	hdr := http.Header{
		"X-Instagram-User-Id":  {"1", "2"},
		"x_instagram_username": {"mallory"},
		"X_Instagram_Username": {"mallory"},
	}
	ih.removeFrom(hdr)
	ih.set(hdr, &record.Session{UserID: "42", Token: "T"})
	want := http.Header{
		"X-Instagram-User-Id":      {"42"},
		"X-Instagram-Access-Token": {"T"},
	}
	if !reflect.DeepEqual(hdr, want) {
		t.Errorf("got %v, want %v", hdr, want)
	}
}

func TestFoldName(t *testing.T) {
	for in, want := range map[string]string{
		"X-Instagram-User-Id": "x-instagram-user-id",
		"X_INSTAGRAM_USER_ID": "x-instagram-user-id",
		"a_b-C":               "a-b-c",
		"":                    "",
	} {
		if got := foldName(in); got != want {
			t.Errorf("foldName(%q) = %q, want %q", in, got, want)
		}
		if !sameFolded(in, want) {
			t.Errorf("sameFolded(%q, %q) = false", in, want)
		}
	}
	if sameFolded("x-instagram-user-i", "x-instagram-user-id") || sameFolded("y-instagram-user-id", "x-instagram-user-id") {
		t.Error("sameFolded matched different names")
	}
}

// The hot path pays for the trailers and Connection only what it must: a
// request without trailers, over HTTP/1.1 with Connection: keep-alive as
// browsers send it. Run with
//
//	go test -run '^$' -bench StripFrom -benchmem .
func BenchmarkStripFrom(b *testing.B) {
	ih := unitDefaultHeaders()
	for name, extra := range map[string][]string{"no Connection": nil, "keep-alive": {"Connection", "keep-alive"}} {
		b.Run(name, func(b *testing.B) {
			r := benchRequest(b, "/dashboard", append([]string{"Accept", "text/html", "Cookie", "a=1"}, extra...)...)
			b.ReportAllocs()
			for b.Loop() {
				ih.stripFrom(r)
			}
			if r.Header.Get("User-Agent") == "" || len(extra) > 0 && r.Header.Get("Connection") != "keep-alive" {
				b.Fatal("stripFrom removed a header that is not an identity header")
			}
		})
	}
}

// The assertion header (assertion_header) is stripped in every spelling,
// and from Connection, like the identity headers; set never sets it (the
// assertions part does).
func TestAssertionHeaderIsStrippedButNotSet(t *testing.T) {
	ih := newIdentityHeaders(defaultHeaderUserID, defaultHeaderUsername, defaultHeaderToken, "X-Instagram-Assertion")
	hdr := http.Header{
		"X-Instagram-Assertion":  {"forged"},
		"x_instagram_assertion":  {"forged"},
		"X-INSTAGRAM_ASSERTION":  {"forged"},
		"Connection":             {"keep-alive, x_Instagram-assertion"},
		"X-Instagram-Assertions": {"kept"},
	}
	ih.stripFrom(&http.Request{Header: hdr})
	want := http.Header{"Connection": {"keep-alive"}, "X-Instagram-Assertions": {"kept"}}
	if !reflect.DeepEqual(hdr, want) {
		t.Errorf("after stripFrom: %v, want %v", hdr, want)
	}
	ih.set(hdr, &record.Session{UserID: "1", Username: "u", Token: "t"})
	if _, ok := hdr["X-Instagram-Assertion"]; ok {
		t.Error("set put an assertion header on")
	}
	ih.setAll(hdr, &record.Session{UserID: "1", Username: "u", Token: "t"}, "jwt")
	if got := hdr["X-Instagram-Assertion"]; len(got) != 1 || got[0] != "jwt" || hdr.Get(defaultHeaderUserID) != "1" {
		t.Errorf("setAll: %v", hdr)
	}
	if off := newIdentityHeaders(defaultHeaderUserID, defaultHeaderUsername, defaultHeaderToken, ""); len(off.strip) != 3 {
		t.Errorf("no assertion header: strips %v", off.strip)
	}
}
