package assertion

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/internal/storagelock"
)

// The key set of an app is one document in Caddy storage:
//
//	instagram_auth/assertion/<app>/keys.json
//
// <app> is the first 16 hex digits of the SHA-256 of the client_id, so
// sites that share storage and client_id share the keys. The document is
// only ever written under the lock named beside it.
//
//	{"version": 1, "keys": [{"kid": "...", "signs_from": "RFC 3339 time",
//	  "private_key_pkcs8": "base64 of the PKCS #8 DER"}, ...]}

const documentVersion = 1

type document struct {
	Version int         `json:"version"`
	Keys    []storedKey `json:"keys"`
}

type storedKey struct {
	KID       string    `json:"kid"`
	SignsFrom time.Time `json:"signs_from"`
	PKCS8     []byte    `json:"private_key_pkcs8"`
}

func appFolder(clientID string) string {
	sum := sha256.Sum256([]byte(clientID))
	return "instagram_auth/assertion/" + hex.EncodeToString(sum[:8])
}

func storageKey(clientID string) string { return appFolder(clientID) + "/keys.json" }
func lockName(clientID string) string   { return appFolder(clientID) + "/keys" }

// parseKeySet reads a stored document. Its errors never quote the
// document: a fragment could be key material.
func parseKeySet(data []byte) (*keySet, error) {
	var doc document
	if err := json.Unmarshal(data, &doc); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return nil, fmt.Errorf("not valid JSON (at byte %d)", syntax.Offset)
		}
		return nil, errors.New("not a key set document")
	}
	if doc.Version != documentVersion {
		return nil, fmt.Errorf("document version %d, but this release reads version %d", doc.Version, documentVersion)
	}
	if len(doc.Keys) == 0 {
		return nil, errors.New("the document holds no key")
	}
	keys := make([]*signingKey, 0, len(doc.Keys))
	seen := map[string]bool{}
	for i, sk := range doc.Keys {
		key, err := parseStoredKey(sk)
		if err != nil {
			return nil, fmt.Errorf("key %d: %w", i+1, err)
		}
		if seen[key.kid] {
			return nil, fmt.Errorf("key %d: a second copy of key %s", i+1, key.kid)
		}
		seen[key.kid] = true
		keys = append(keys, key)
	}
	set := newKeySet(keys)
	set.raw = data
	return set, nil
}

func parseStoredKey(sk storedKey) (*signingKey, error) {
	parsed, err := x509.ParsePKCS8PrivateKey(sk.PKCS8)
	if err != nil {
		return nil, errors.New("private_key_pkcs8 is not a PKCS #8 private key")
	}
	priv, ok := parsed.(*ecdsa.PrivateKey)
	if !ok || priv.Curve != elliptic.P256() {
		return nil, errors.New("private_key_pkcs8 is not a P-256 key")
	}
	if sk.SignsFrom.IsZero() {
		return nil, errors.New("signs_from is missing")
	}
	key, err := newSigningKey(priv, sk.SignsFrom)
	if err != nil {
		return nil, err
	}
	if key.kid != sk.KID {
		// The kid is not quoted: whatever was written there is not ours to print.
		return nil, fmt.Errorf("its kid is not the thumbprint of its key (%s)", key.kid)
	}
	return key, nil
}

// document writes the set as stored, keeping only the keys still
// published at t: retired keys leave storage at the next write.
func (s *keySet) document(t time.Time) ([]byte, error) {
	doc := document{Version: documentVersion}
	for _, key := range s.published(t) {
		der, err := x509.MarshalPKCS8PrivateKey(key.priv)
		if err != nil {
			return nil, fmt.Errorf("encoding assertion key %s failed", key.kid)
		}
		doc.Keys = append(doc.Keys, storedKey{KID: key.kid, SignsFrom: key.from.UTC(), PKCS8: der})
	}
	return json.MarshalIndent(doc, "", "\t")
}

// load reads the stored set; fs.ErrNotExist (wrapped) if there is none.
func (k *Keys) load(ctx context.Context) (*keySet, error) {
	data, err := k.storage.Load(ctx, k.storeKey)
	if err != nil {
		return nil, fmt.Errorf("loading assertion keys from storage (%s): %w", k.storeKey, err)
	}
	if set := k.set.Load(); set != nil && string(set.raw) == string(data) {
		return set, nil // unchanged: no parse
	}
	set, err := parseKeySet(data)
	if err != nil {
		return nil, fmt.Errorf("the assertion keys in storage (%s) are malformed: %w", k.storeKey, err)
	}
	return set, nil
}

// loadOrCreate installs the stored set, making it first if there is none.
func (k *Keys) loadOrCreate(ctx context.Context) error {
	set, err := k.load(ctx)
	var made *signingKey
	if errors.Is(err, fs.ErrNotExist) {
		set, err = k.update(ctx, true, func(stored *keySet, t time.Time) (*keySet, error) {
			if stored != nil {
				return nil, nil // another instance was first
			}
			first, err := generateKey(t)
			if err != nil {
				return nil, err
			}
			made = first
			return newKeySet([]*signingKey{first}), nil
		})
	}
	if err != nil {
		return err
	}
	k.set.Store(set)
	k.logMade(made)
	return nil
}

// update changes the stored set under the storage lock. It reloads first,
// since another instance may have changed the set while this one waited
// for the lock, and hands change that set (nil if there is none). change
// returns the set to store, or nil to store nothing. update returns the
// set now in storage. Without wait, it gives up, returning nil, if the
// lock is taken.
func (k *Keys) update(ctx context.Context, wait bool, change func(stored *keySet, t time.Time) (*keySet, error)) (*keySet, error) {
	locked, err := k.lock(ctx, wait)
	if err != nil || !locked {
		return nil, err
	}
	defer func() { _ = k.storage.Unlock(context.Background(), k.lockName) }()

	stored, err := k.load(ctx)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	t := k.now()
	changed, err := change(stored, t)
	if err != nil || changed == nil {
		return stored, err
	}
	data, err := changed.document(t)
	if err != nil {
		return nil, err
	}
	if err := k.storage.Store(ctx, k.storeKey, data); err != nil {
		return nil, fmt.Errorf("storing assertion keys (%s): %w", k.storeKey, err)
	}
	// Read back as any instance will, so the set in memory is exactly what
	// storage holds (retired keys dropped, raw as stored).
	return parseKeySet(data)
}

// lock takes the storage lock: waiting for it if wait (start-up, bounded
// by ctx), else with TryLock where the storage has it, or a short wait.
func (k *Keys) lock(ctx context.Context, wait bool) (bool, error) {
	if !wait {
		locked, err := storagelock.Try(ctx, k.storage, k.lockName, lockWait)
		if err != nil {
			return false, fmt.Errorf("locking assertion keys in storage: %w", err)
		}
		return locked, nil
	}
	if err := k.storage.Lock(ctx, k.lockName); err != nil {
		return false, fmt.Errorf("locking assertion keys in storage: %w", err)
	}
	return true, nil
}
