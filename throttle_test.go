package instagramauth

import "github.com/b4b0c547/caddy-instagram-auth/internal/throttle"

// maxTokenRequestsInFlight is the throttle's bound, by the name the root's
// tests use (the in-flight test, the security notes' check).
const maxTokenRequestsInFlight = throttle.MaxInFlight
