// Package docs holds no code: its test keeps the Caddyfile snippets of the
// README and of the documents in this folder as `caddy fmt` writes them.
// Caddy prints "Caddyfile input is not formatted" for a file whose values
// are lined up by hand, and a user who copies a snippet should not meet it.
package docs

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

// block is one fenced block of a Markdown file.
type block struct {
	file string
	line int // of the opening fence
	lang string
	text string
}

// fencedBlocks returns the fenced blocks of a Markdown text. A fence may be
// indented (inside a list); its indentation is taken off every line of the
// block, as Markdown does.
func fencedBlocks(file string, md []byte) []block {
	var (
		blocks []block
		open   *block
		indent string
		body   []string
	)
	for i, line := range strings.Split(string(md), "\n") {
		trimmed := strings.TrimLeft(line, " \t")
		if open == nil {
			if strings.HasPrefix(trimmed, "```") {
				indent = line[:len(line)-len(trimmed)]
				open = &block{file: file, line: i + 1, lang: strings.TrimSpace(strings.TrimPrefix(trimmed, "```"))}
				body = body[:0]
			}
			continue
		}
		if strings.TrimSpace(line) == "```" {
			open.text = strings.Join(body, "\n")
			blocks = append(blocks, *open)
			open = nil
			continue
		}
		body = append(body, strings.TrimPrefix(line, indent))
	}
	return blocks
}

// markdownFiles are the README and every document beside this test.
func markdownFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{filepath.Join("..", "README.md")}, files...)
}

// Every Caddyfile snippet is as caddy fmt writes it.
func TestCaddyfileSnippetsAreFormatted(t *testing.T) {
	checked := 0
	for _, file := range markdownFiles(t) {
		md, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range fencedBlocks(file, md) {
			if b.lang != "caddyfile" {
				continue
			}
			checked++
			// As a file: caddy fmt ends it with one newline.
			src := []byte(strings.TrimSpace(b.text) + "\n")
			if got := caddyfile.Format(src); !bytes.Equal(got, src) {
				t.Errorf("%s:%d: the Caddyfile snippet is not as caddy fmt writes it; write it as:\n%s", b.file, b.line, got)
			}
		}
	}
	if checked < 10 {
		t.Errorf("only %d Caddyfile snippets found: is the fence still written ```caddyfile?", checked)
	}
}

// Every fence names its language, so that a Caddyfile cannot escape the
// check above by being left untagged.
func TestFencesNameTheirLanguage(t *testing.T) {
	for _, file := range markdownFiles(t) {
		md, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range fencedBlocks(file, md) {
			if b.lang == "" {
				t.Errorf("%s:%d: a fenced block without a language (caddyfile, sh, json, text, ...)", b.file, b.line)
			}
		}
	}
}

// The block reader itself: indented fences, languages, and the text between.
func TestFencedBlocks(t *testing.T) {
	md := "intro\n```sh\nls\n```\n- item\n\n  ```caddyfile\n  a {\n  \tb\n  }\n  ```\n```\nbare\n```\n"
	got := fencedBlocks("x.md", []byte(md))
	want := []block{
		{"x.md", 2, "sh", "ls"},
		{"x.md", 7, "caddyfile", "a {\n\tb\n}"},
		{"x.md", 12, "", "bare"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d blocks %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("block %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}
