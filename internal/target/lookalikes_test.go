package target

import "strings"

// lookAlikes must never become return targets: with the broadest
// patterns (example.com and *.example.com) each comes back as "/".
var lookAlikes = []string{
	// Hosts that only resemble an allowed one.
	"evil-example.com",
	"https://evil-example.com/",
	"https://evil-example.com",
	"example.com.evil.net",
	"https://example.com.evil.net/",
	"https://example.com.evil.net:443/x",
	"https://example.com%2Eevil.net/",
	"https://app.example.com%2Eevil.net/",
	"https://app.example.com．evil.net/", // U+FF0E, a full stop to IDNA
	"https://example.org/",
	"https://xample.com/",
	"https://wwwexample.com/",
	// Userinfo: the host is what follows the "@".
	"auth.example.com@evil.net",
	"https://auth.example.com@evil.net",
	"https://auth.example.com@evil.net/",
	"https://auth.example.com:443@evil.net/",
	"https://app.example.com%2F@evil.net",
	"https://app.example.com%40evil.net/",
	"https://user@app.example.com/",
	"https://user:pw@app.example.com/",
	"https://@app.example.com/",
	"https://:@app.example.com/",
	"https://evil.net@@app.example.com/",
	// Backslashes: a browser reads "\" as "/" in an http(s) URL.
	`https://auth.example.com\@evil.net`,
	`https://evil.net\.example.com`,
	`https://evil.net\@app.example.com`,
	`https:\\app.example.com`,
	`https:/\app.example.com`,
	// What ends the host for a browser ends it here.
	"https://evil.net%23.example.com",
	"https://evil.net?.example.com",
	"https://evil.net#.example.com",
	"https://evil.net/.example.com",
	"https://evil.net%2F.example.com",
	"https://evil.net%5C.example.com",
	"https://evil.net%3F.example.com",
	"https://evil.net%40.example.com",
	"https://evil.net%00.example.com",
	"https://evil.net%09.example.com",
	"https://evil.net%20.example.com",
	"https://evil.net%252F.example.com",
	"https://evil.net／.example.com",           // U+FF0F fullwidth solidus
	"https://evil.net%EF%BC%8F.example.com",   // the same, encoded
	"https://evil.net＃.example.com",           // U+FF03 fullwidth number sign
	"https://evil.c℀.example.com",             // U+2100 maps to "a/c"
	"https://evil.net;.example.com",           // allowed by browsers, not by DNS
	"https://evil.net_.example.com",           // likewise
	"https://*.example.com/",                  // a pattern is no host
	"https://evil.net%2A.example.com/",        // nor encoded
	"https://evil.net:443.example.com/",       // a port inside the host
	"https://evil.net:.example.com/",          // an empty one
	"https://[evil.net].example.com/",         // brackets only around IPv6
	"https://app..example.com/",               // an empty label
	"https://.example.com/",                   // another
	"https://example.com../",                  // two trailing dots
	"https://" + longLabel + ".example.com/",  // a label over 63 bytes
	"https://b" + longest + "/",               // 254 bytes
	"https://ex%zzample.com/",                 // a bad escape
	"https://ex%C3ample.com/",                 // not UTF-8
	"https://xn--.example.com/",               // empty punycode
	"https://xn--a.example.com/",              // invalid punycode
	"https://xn--exmple-cua.com/",             // exämple.com
	"https://app.xn--exmple-cua.com/",         // app.exämple.com
	"https://xn--xample-2of.com/",             // еxample.com, Cyrillic е
	"https://app.exаmple.com/",                // Cyrillic а, raw
	"https://app.ex%D0%B0mple.com/",           // the same, encoded
	"https://xn--80ak6aa92e.com/",             // аррӏе.com
	"https://example.com.xn--80ak6aa92e.com/", // under it
	"https://app.example.com\u2024evil.net/",  // U+2024 one dot leader
	"https://app.example.com\u200b.evil.net/", // an ignored zero-width space
	// IP literals, in every form a browser accepts, match only a listed IP.
	"https://127.0.0.1",
	"https://127.0.0.1/",
	"https://127.0.0.1.",
	"https://2130706433",
	"https://0x7f000001",
	"https://0x7F.1",
	"https://0177.0.0.1",
	"https://017700000001",
	"https://127.1",
	"https://127.0.1",
	"https://１２７.０.０.１/", // fullwidth digits
	"https://1.2.3.4.5/", // five parts: not an address, not a name either
	"https://256.0.0.1/",
	"https://127..1/",
	"https://4294967296/",
	"https://example.0x1/", // ends in a number: not a name
	"https://example.123/",
	"https://[::1]",
	"https://[::1]/",
	"https://[::1]:443/",
	"https://[::ffff:127.0.0.1]/",
	"https://[0:0:0:0:0:0:0:1]/",
	"https://[fe80::1%25eth0]/",
	"https://[::1",
	"https://::1/",
	"https://[127.0.0.1]/",
	// Ports: digits, 1 to 65535, written as browsers write them.
	"https://app.example.com:99999",
	"https://app.example.com:65536/",
	"https://app.example.com:0/",
	"https://app.example.com:0443/",
	"https://app.example.com:00443/",
	"https://app.example.com:08443/",
	"https://app.example.com:/",
	"https://app.example.com:+443/",
	"https://app.example.com:-1/",
	"https://app.example.com:0x1bb/",
	"https://app.example.com:443:443/",
	"https://app.example.com:４４３/",
	"https://app.example.com:%34%34%33/",
	// Schemes other than http(s) and forms with no authority.
	"//app.example.com/x",
	"///app.example.com",
	`/\app.example.com`,
	`\\app.example.com`,
	"https:app.example.com",
	"https:/app.example.com",
	"https:///app.example.com",
	"https:////app.example.com",
	"HTTPS:app.example.com",
	"javascript:alert(1)",
	"javascript://app.example.com/%0Aalert(1)",
	"JaVaScRiPt:alert(1)",
	"data:text/html,<script>alert(1)</script>",
	"vbscript:msgbox(1)",
	"ftp://app.example.com/",
	"ws://app.example.com/",
	"wss://app.example.com/",
	"file:///etc/passwd",
	"blob:https://app.example.com/x",
	"ht tps://app.example.com/",
	"1https://app.example.com/",
	"app.example.com",
	"app.example.com/x",
	":app.example.com",
	// Controls and spaces: stripped or dropped by browsers, refused here.
	" https://app.example.com/",
	"https://app.example.com/ ",
	"\x00https://app.example.com/",
	"\x1fhttps://app.example.com/",
	"https://app.example.com/\x00",
	"\thttps://app.example.com/",
	"https://app.example.com/\n",
	"https://app.exa\tmple.com/",
	"https://app.example.com\r\n.evil.net/",
	"ht\ntps://app.example.com/",
	"https://app.example.com/a\x7fb",
	// A path on an allowed host that decodes or reads as another host.
	"https://app.example.com//evil.net",
	"https://app.example.com/%2F/evil.net",
	"https://app.example.com/%5Cevil.net",
	"https://app.example.com/%09/evil.net",
	"https://app.example.com/x?y=\\",
}

var (
	longLabel = strings.Repeat("a", 64)
	// longest is a host name of 253 bytes, the most DNS holds.
	longest = strings.Repeat(strings.Repeat("a", 63)+".", 3) + strings.Repeat("b", 49) + ".example.com"
)
