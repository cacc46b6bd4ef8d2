package assertion

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestStorageKeyIsNamedByTheClientID(t *testing.T) {
	sum := sha256.Sum256([]byte("1234567890"))
	want := "instagram_auth/assertion/" + hex.EncodeToString(sum[:])[:16] + "/keys.json"
	if got := storageKey("1234567890"); got != want {
		t.Fatalf("storage key %q, want %q", got, want)
	}
	if !strings.HasPrefix(lockName("1234567890"), strings.TrimSuffix(want, "keys.json")) {
		t.Fatalf("lock %q is not beside the key set", lockName("1234567890"))
	}
	if storageKey("1234567890") == storageKey("1234567891") {
		t.Fatal("two apps share a key set")
	}

	storage := fileStorage(t)
	newInstance(t, storage, newFakeClock(), DefaultRotation)
	if _, err := storage.Load(context.Background(), want); err != nil {
		t.Fatalf("the key set is not at %s: %v", want, err)
	}
}

func TestStoredDocumentReadsBackAsWritten(t *testing.T) {
	storage, clock := fileStorage(t), newFakeClock()
	k := newInstance(t, storage, clock, DefaultRotation)
	data, err := storage.Load(context.Background(), k.storeKey)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	keys := doc["keys"].([]any)
	key := keys[0].(map[string]any)
	if doc["version"] != 1.0 || len(keys) != 1 || len(key) != 3 || key["kid"] != kids(k.Keys)[0] ||
		key["signs_from"] != clock.now().Format(time.RFC3339Nano) {
		t.Fatalf("stored document %s", data)
	}
	der, _ := base64.StdEncoding.DecodeString(key["private_key_pkcs8"].(string))
	if _, err := x509.ParsePKCS8PrivateKey(der); err != nil {
		t.Fatalf("private_key_pkcs8 is not PKCS #8: %v", err)
	}
}

// storedDoc writes a document with one key as a test wants it.
func storedDoc(t *testing.T, edit func(sk map[string]any)) ([]byte, string) {
	t.Helper()
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	kid, _ := kidOf(&priv.PublicKey)
	sk := map[string]any{"kid": kid, "signs_from": "2026-12-06T12:00:00Z", "private_key_pkcs8": der}
	if edit != nil {
		edit(sk)
	}
	data, err := json.Marshal(map[string]any{"version": 1, "keys": []any{sk}})
	if err != nil {
		t.Fatal(err)
	}
	return data, base64.StdEncoding.EncodeToString(der)
}

func TestMalformedStoredKeysAreAClearErrorWithoutKeyMaterial(t *testing.T) {
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	rsaDER, _ := x509.MarshalPKCS8PrivateKey(rsaKey)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p384DER, _ := x509.MarshalPKCS8PrivateKey(p384)
	const marker = "SECRET-MARKER"

	cases := []struct {
		name   string
		edit   func(sk map[string]any)
		raw    string // a whole document, instead of an edited one
		reason string
	}{
		{name: "not JSON", raw: "{" + marker, reason: "not valid JSON"},
		{name: "wrong shape", raw: `{"version":1,"keys":"` + marker + `"}`, reason: "not a key set document"},
		{name: "number key", raw: `{"version":1,"keys":[{"private_key_pkcs8":12345` + "6789" + `}]}`, reason: "not a key set document"},
		{name: "newer version", raw: `{"version":2,"keys":[]}`, reason: "version 2"},
		{name: "no keys", raw: `{"version":1,"keys":[]}`, reason: "no key"},
		{name: "not PKCS #8", edit: func(sk map[string]any) { sk["private_key_pkcs8"] = []byte(marker) }, reason: "not a PKCS #8"},
		{name: "RSA", edit: func(sk map[string]any) { sk["private_key_pkcs8"] = rsaDER }, reason: "not a P-256 key"},
		{name: "P-384", edit: func(sk map[string]any) { sk["private_key_pkcs8"] = p384DER }, reason: "not a P-256 key"},
		{name: "kid of another key", edit: func(sk map[string]any) { sk["kid"] = marker }, reason: "kid is not the thumbprint"},
		{name: "no signs_from", edit: func(sk map[string]any) { delete(sk, "signs_from") }, reason: "signs_from is missing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data, secret := storedDoc(t, tc.edit)
			if tc.raw != "" {
				data = []byte(tc.raw)
			}
			storage := fileStorage(t)
			if err := storage.Store(context.Background(), storageKey("1234567890"), data); err != nil {
				t.Fatal(err)
			}
			_, err := tryInstance(storage, newFakeClock(), DefaultRotation)
			if err == nil {
				t.Fatal("malformed keys accepted")
			}
			msg := err.Error()
			if !strings.Contains(msg, storageKey("1234567890")) || !strings.Contains(msg, tc.reason) {
				t.Errorf("error %q does not say where and what (%q)", msg, tc.reason)
			}
			for _, leak := range []string{secret, marker, "6789", "MIG"} {
				if strings.Contains(msg, leak) {
					t.Errorf("error %q quotes the stored content %q", msg, leak)
				}
			}
		})
	}
}

func TestADuplicatedKeyIsRefused(t *testing.T) {
	data, _ := storedDoc(t, nil)
	var doc map[string]any
	_ = json.Unmarshal(data, &doc)
	doc["keys"] = append(doc["keys"].([]any), doc["keys"].([]any)[0])
	data, _ = json.Marshal(doc)
	if _, err := parseKeySet(data); err == nil || !strings.Contains(err.Error(), "second copy") {
		t.Fatalf("a key twice: %v", err)
	}
}
