package instagramauth

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/b4b0c547/caddy-instagram-auth/internal/signedrequest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// Caddy's JSON log encoder writes zap.Time fields as Unix seconds (unless
// the site sets time_format), which a reader cannot read at a glance. The
// plugin's log lines give times as RFC 3339 strings: no zap.Time, Timep
// or Times in the code of this module (tests aside).
func TestLogTimesAreRFC3339(t *testing.T) {
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" ||
			d.Name() == "e2e" || d.Name() == "bench") {
			return filepath.SkipDir // other modules, and data
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "zap" && strings.HasPrefix(sel.Sel.Name, "Time") {
				t.Errorf("%s: zap.%s logs a time as Unix seconds: log it as an RFC 3339 string", fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The Meta callback's line says when the sessions it ended had started
// before, in RFC 3339, and whether they had all ended already (a repeated
// callback, or sessions past their lifetime), in words a reader needs no
// source for.
func TestMetaCallbackLogLine(t *testing.T) {
	h := unitHandler(t)
	core, logs := observer.New(zapcore.InfoLevel)
	h.logger = zap.New(core)
	req := signedrequest.Request{UserID: "17841400000000001", IssuedAt: now().Unix()}
	h.endSessionsFor(req, revokedDeauthorize)
	h.endSessionsFor(req, revokedDeauthorize) // Meta sends it again
	lines := logs.FilterMessage("Meta callback: the user's sessions ended").All()
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2", len(lines))
	}
	wantBefore := time.Unix(req.IssuedAt+1, 0).UTC().Format(time.RFC3339)
	for i, already := range []bool{false, true} {
		f := lines[i].ContextMap()
		if f["sessions_before"] != wantBefore {
			t.Errorf("line %d: sessions_before %v, want %s", i, f["sessions_before"], wantBefore)
		}
		if f["already_ended"] != already {
			t.Errorf("line %d: already_ended %v, want %v", i, f["already_ended"], already)
		}
		if _, ok := f["news"]; ok {
			t.Errorf("line %d: the unexplained field news is still there: %v", i, f)
		}
	}
}
