package seal

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/caddyserver/certmagic"
)

// keyStorageKey is where the generated cookie key lives in Caddy storage.
const keyStorageKey = "instagram_auth/cookie_secret.b64"

// StoredSecret gets the shared key from Caddy's storage, creating it once
// under a lock: every instance sharing the storage seals alike, and a
// restart keeps sessions.
func StoredSecret(ctx context.Context, storage certmagic.Storage) (string, error) {
	if err := storage.Lock(ctx, keyStorageKey); err != nil {
		return "", fmt.Errorf("locking the cookie key in storage: %w", err)
	}
	defer func() { _ = storage.Unlock(context.Background(), keyStorageKey) }()

	data, err := storage.Load(ctx, keyStorageKey)
	if err == nil {
		secret := strings.TrimSpace(string(data))
		if CheckSecret(secret) == nil {
			return secret, nil
		}
		return "", fmt.Errorf("the cookie key in storage (%s) is not base64 of 32 bytes", keyStorageKey)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("loading the cookie key from storage: %w", err)
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return "", err
	}
	secret := base64.StdEncoding.EncodeToString(key)
	if err := storage.Store(ctx, keyStorageKey, []byte(secret)); err != nil {
		return "", fmt.Errorf("keeping the cookie key in storage: %w", err)
	}
	return secret, nil
}
