// Package secret reads secrets from where they are kept, never from the
// command line: a reference names one — env:VAR (an environment variable),
// file:PATH (a file's text, less its line end) or
// ssm:/path (an AWS Systems Manager parameter, SecureString decrypted) —
// and a Resolver reads it, once a run, and makes it known to the redactor
// so that no message ever shows it.
package secret

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"unicode"

	"github.com/lakectl/lakectl/internal/catalog"
	"github.com/lakectl/lakectl/internal/redact"
)

// Kind is where a secret is kept.
type Kind string

// The kinds of reference.
const (
	Env  Kind = "env"  // env:VAR
	File Kind = "file" // file:PATH
	SSM  Kind = "ssm"  // ssm:/path (or a parameter's name or ARN)
)

// Ref names a secret. Its text (env:VAR) names where the secret is, never
// the secret: it may be printed and stored.
type Ref struct {
	Kind Kind
	Name string
}

func (r Ref) String() string { return string(r.Kind) + ":" + r.Name }

// ErrUnavailable: a reference names no secret that can be read — an unset
// or empty variable, a missing or empty file, an SSM parameter that does
// not exist or may not be read. The configuration is the user's to fix.
var ErrUnavailable = errors.New("secret unavailable")

// IsRef reports whether s is written as a reference (env:, file: or ssm:
// and a name), rather than being a secret itself.
func IsRef(s string) bool {
	kind, name, ok := strings.Cut(s, ":")
	if !ok || name == "" {
		return false
	}
	switch Kind(kind) {
	case Env, File, SSM:
		return true
	}
	return false
}

// Parse reads a reference. A malformed one is an invalid argument
// (catalog.ErrInvalid), its text quoted; Parse never sees a secret, only
// where one is.
func Parse(s string) (Ref, error) {
	kind, name, ok := strings.Cut(s, ":")
	if !ok {
		return Ref{}, catalog.Invalidf("secret %q: want env:VAR, file:PATH or ssm:/path", s)
	}
	r := Ref{Kind: Kind(kind), Name: name}
	if name == "" {
		return Ref{}, catalog.Invalidf("secret %q: no name after %s:", s, kind)
	}
	if i := strings.IndexFunc(name, func(c rune) bool { return unicode.IsControl(c) || c == unicode.ReplacementChar }); i >= 0 {
		return Ref{}, catalog.Invalidf("secret %q: a control character at %d", s, len(kind)+1+i)
	}
	switch r.Kind {
	case Env:
		for i, c := range name {
			if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' && i > 0) {
				return Ref{}, catalog.Invalidf("secret %q: %q is not an environment variable's name (letters, digits and _, not starting with a digit)", s, name)
			}
		}
	case File:
	case SSM:
		// A name (/path/to/x, x) or an ARN; the name's characters as SSM
		// allows them: letters, digits and . - _ /, and the ARN's :.
		for _, c := range name {
			if !(c == '/' || c == '.' || c == '-' || c == '_' || c == ':' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
				return Ref{}, catalog.Invalidf("secret %q: %q is not an SSM parameter name (letters, digits and . - _ /)", s, name)
			}
		}
	default:
		return Ref{}, catalog.Invalidf("secret %q: unknown kind %q: want env:VAR, file:PATH or ssm:/path", s, kind)
	}
	return r, nil
}

// ParameterStore reads an SSM parameter's value, decrypted.
type ParameterStore interface {
	Parameter(ctx context.Context, name string) (string, error)
}

// Resolver reads the secrets references name. Each is read once a run
// (a second use of the same reference gets the same value without asking
// again) and added to Known. It is safe for concurrent use.
type Resolver struct {
	// Getenv reads environment variables; os.Getenv when nil.
	Getenv func(string) string
	// ReadFile reads files; os.ReadFile when nil.
	ReadFile func(string) ([]byte, error)
	// Parameters reads ssm: references; nil refuses them as a
	// configuration error.
	Parameters ParameterStore
	// Known learns every secret read, for whatever prints messages to
	// hide them; nil when nobody prints.
	Known *redact.Secrets

	mu    sync.Mutex
	cache map[Ref]string
}

// Resolve reads the secret the reference s names.
func (r *Resolver) Resolve(ctx context.Context, s string) (string, error) {
	ref, err := Parse(s)
	if err != nil {
		return "", err
	}
	return r.ResolveRef(ctx, ref)
}

// ResolveRef reads the secret ref names. A value read from a file or a
// parameter loses its trailing line end, as editors and `echo` add one.
func (r *Resolver) ResolveRef(ctx context.Context, ref Ref) (string, error) {
	r.mu.Lock()
	v, ok := r.cache[ref]
	r.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := r.read(ctx, ref)
	if err != nil {
		// An error never carries the value: what was read is not returned.
		return "", fmt.Errorf("secret %s: %w", ref, err)
	}
	r.Known.Add(v)
	r.mu.Lock()
	if r.cache == nil {
		r.cache = map[Ref]string{}
	}
	r.cache[ref] = v
	r.mu.Unlock()
	return v, nil
}

// Env reads an environment variable as env: references are read (a
// driver's own variable, MYSQL_PWD), without making it known.
func (r *Resolver) Env(name string) string {
	if r.Getenv == nil {
		return os.Getenv(name)
	}
	return r.Getenv(name)
}

func (r *Resolver) read(ctx context.Context, ref Ref) (string, error) {
	switch ref.Kind {
	case Env:
		v := r.Env(ref.Name)
		if v == "" {
			return "", fmt.Errorf("%w: the environment variable %s is not set", ErrUnavailable, ref.Name)
		}
		return v, nil
	case File:
		readFile := r.ReadFile
		if readFile == nil {
			readFile = os.ReadFile
		}
		b, err := readFile(ref.Name)
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err // the path is in the reference already
			}
			return "", fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		v := strings.TrimRight(string(b), "\r\n")
		if v == "" {
			return "", fmt.Errorf("%w: the file is empty", ErrUnavailable)
		}
		return v, nil
	case SSM:
		if r.Parameters == nil {
			return "", fmt.Errorf("%w: no AWS configuration to read SSM parameters with", ErrUnavailable)
		}
		v, err := r.Parameters.Parameter(ctx, ref.Name)
		if err != nil {
			return "", err
		}
		v = strings.TrimRight(v, "\r\n")
		if v == "" {
			return "", fmt.Errorf("%w: the parameter is empty", ErrUnavailable)
		}
		return v, nil
	}
	return "", catalog.Invalidf("unknown kind %q", ref.Kind)
}
