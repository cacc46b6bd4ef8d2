// Package bounded keeps the plugin's in-memory tables within a size: the
// used states, the refresh memory, the throttle's clients, the bearer and
// assertion caches. A stranger can fill any of them at will, so a full
// table must neither refuse new entries (that would lock everyone out) nor
// be swept on every insert (that would make each insert cost a scan).
package bounded

// MakeRoom makes room in a map that has reached limit: it drops the
// entries that are done and, if that frees too little (the map still
// holds nine tenths of limit), a tenth of the rest, chosen by map order,
// which Go randomises, so no attacker picks the victims. Evicting in a
// batch keeps the cost of the scan to one in every limit/10 inserts.
func MakeRoom[K comparable, V any](m map[K]V, limit int, done func(V) bool) {
	for k, v := range m {
		if done(v) {
			delete(m, k)
		}
	}
	if len(m) < limit*9/10 {
		return
	}
	drop := len(m) / 10
	for k := range m {
		if drop == 0 {
			break
		}
		delete(m, k)
		drop--
	}
}
