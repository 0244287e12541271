package xcheck

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/procwait/wait/internal/abi"
)

// mutation is one internal/abi entry changed by one.
type mutation struct {
	key   string
	apply func(o *abi.OS) *abi.OS // returns a changed copy; o is left alone
}

// mutations lists a change by one of every numeric entry of o.
func mutations(o *abi.OS) []mutation {
	var ms []mutation
	for _, g := range []struct {
		kind string
		get  func(*abi.OS) *[]abi.Const
	}{
		{"Flags", func(o *abi.OS) *[]abi.Const { return &o.Flags }},
		{"IDTypes", func(o *abi.OS) *[]abi.Const { return &o.IDTypes }},
		{"Codes", func(o *abi.OS) *[]abi.Const { return &o.Codes }},
	} {
		for i, c := range *g.get(o) {
			ms = append(ms, mutation{g.kind + "/" + c.Name, func(o *abi.OS) *abi.OS {
				m := *o
				cs := slices.Clone(*g.get(&m))
				cs[i].Value++
				*g.get(&m) = cs
				return &m
			}})
		}
	}
	for _, arch := range sortedKeys(o.Siginfo) {
		for _, fl := range []struct {
			name string
			get  func(*abi.SiginfoLayout) *int
		}{
			{"Size", func(l *abi.SiginfoLayout) *int { return &l.Size }},
			{"Signo", func(l *abi.SiginfoLayout) *int { return &l.Signo }},
			{"Errno", func(l *abi.SiginfoLayout) *int { return &l.Errno }},
			{"Code", func(l *abi.SiginfoLayout) *int { return &l.Code }},
			{"Pid", func(l *abi.SiginfoLayout) *int { return &l.Pid }},
			{"UID", func(l *abi.SiginfoLayout) *int { return &l.UID }},
			{"Status", func(l *abi.SiginfoLayout) *int { return &l.Status }},
		} {
			l := o.Siginfo[arch]
			if *fl.get(&l) < 0 {
				continue // a field the OS does not fill
			}
			ms = append(ms, mutation{fmt.Sprintf("Siginfo[%s]/%s", arch, fl.name), func(o *abi.OS) *abi.OS {
				m := *o
				m.Siginfo = maps.Clone(o.Siginfo)
				l := m.Siginfo[arch]
				*fl.get(&l)++
				m.Siginfo[arch] = l
				return &m
			}})
		}
	}
	for _, arch := range sortedKeys(o.Rusage) {
		for _, fl := range []struct {
			name string
			get  func(*abi.RusageLayout) *int
		}{
			{"Size", func(l *abi.RusageLayout) *int { return &l.Size }},
			{"SecSize", func(l *abi.RusageLayout) *int { return &l.SecSize }},
			{"UsecOffset", func(l *abi.RusageLayout) *int { return &l.UsecOffset }},
			{"UsecSize", func(l *abi.RusageLayout) *int { return &l.UsecSize }},
			{"TimevalSize", func(l *abi.RusageLayout) *int { return &l.TimevalSize }},
			{"LongSize", func(l *abi.RusageLayout) *int { return &l.LongSize }},
		} {
			ms = append(ms, mutation{fmt.Sprintf("Rusage[%s]/%s", arch, fl.name), func(o *abi.OS) *abi.OS {
				m := *o
				m.Rusage = maps.Clone(o.Rusage)
				l := m.Rusage[arch]
				*fl.get(&l)++
				m.Rusage[arch] = l
				return &m
			}})
		}
		ms = append(ms, mutation{fmt.Sprintf("Rusage[%s]/MaxRSSUnit", arch), func(o *abi.OS) *abi.OS {
			m := *o
			m.Rusage = maps.Clone(o.Rusage)
			l := m.Rusage[arch]
			l.MaxRSSUnit++
			m.Rusage[arch] = l
			return &m
		}})
	}
	for _, s := range []struct {
		key string
		get func(*abi.OS) *uint32
	}{
		{"Wait4Mask", func(o *abi.OS) *uint32 { return &o.Wait4Mask }},
		{"Wait4Implied", func(o *abi.OS) *uint32 { return &o.Wait4Implied }},
		{"WaitidMask", func(o *abi.OS) *uint32 { return &o.WaitidMask }},
		{"EventMask", func(o *abi.OS) *uint32 { return &o.EventMask }},
	} {
		ms = append(ms, mutation{s.key, func(o *abi.OS) *abi.OS {
			m := *o
			*s.get(&m)++
			return &m
		}})
	}
	ms = append(ms, mutation{"IDSize", func(o *abi.OS) *abi.OS {
		m := *o
		m.IDSize++
		return &m
	}})
	return ms
}

// unverifiable says why no Go source can catch a change of key on goos, or
// "" when one must.
func unverifiable(o *abi.OS, key string) string {
	for _, g := range groups(o) {
		if c, ok := find(g.cs, strings.TrimPrefix(key, g.kind+"/")); ok && strings.HasPrefix(key, g.kind+"/") && c.Source == "library" {
			return "a value the library defines, the OS has no such " + strings.TrimSuffix(strings.ToLower(g.kind), "s")
		}
	}
	for _, n := range noGoSource {
		if n.goos != "*" && !slices.Contains(strings.Fields(n.goos), o.Name) || slices.Contains(n.except, key) {
			continue
		}
		for _, pat := range n.keys {
			if glob(pat, key) {
				return n.why
			}
		}
	}
	return ""
}

// glob reports whether key matches pat, in which "*" stands for any run of
// characters and every other character for itself.
func glob(pat, key string) bool {
	parts := strings.Split(pat, "*")
	if !strings.HasPrefix(key, parts[0]) {
		return false
	}
	key = key[len(parts[0]):]
	for i, p := range parts[1:] {
		if i == len(parts)-2 {
			return strings.HasSuffix(key, p)
		}
		j := strings.Index(key, p)
		if j < 0 {
			return false
		}
		key = key[j+len(p):]
	}
	return key == ""
}

// TestMutateABI changes every numeric entry of every internal/abi table by
// one, in a copy, and checks each change against the facts already loaded:
// the change must be caught by a Go source (x/sys, syscall, os,
// internal/syscall/unix or runtime) unless noGoSource says no Go source
// holds the entry, and then it must not be (so that the list stays exact).
// Every change of a flag, idtype or code must also be caught by the
// comparison with internal/raw's generated constants, and with the root
// package's.
func TestMutateABI(t *testing.T) {
	fs := allFacts(t)
	for _, name := range abi.Names() {
		o, _ := abi.ForOS(name)
		var mine []*facts
		for _, f := range fs {
			if fo, ok := abi.ForOS(f.goos); ok && fo == o && f.skipped == "" {
				mine = append(mine, f)
			}
		}
		if len(mine) == 0 {
			continue // XCHECK_TARGETS left this OS out
		}
		t.Run(name, func(t *testing.T) {
			base := map[string]bool{}
			for _, f := range mine {
				for _, fd := range check(f, o).mismatches() {
					base[fd.msg] = true
				}
			}
			var byGo, byLibOnly, byNothing []string
			byRaw, consts := 0, 0
			for _, m := range mutations(o) {
				mo := m.apply(o)
				sources := map[string]bool{}
				for _, f := range mine {
					for _, fd := range check(f, mo).mismatches() {
						if !base[fd.msg] && slices.Contains(fd.keys, m.key) {
							sources[fd.source] = true
						}
					}
				}
				var goCaught []string
				for s := range sources {
					if goSources[s] {
						goCaught = append(goCaught, s)
					}
				}
				sort.Strings(goCaught)
				if isConstKey(o, m.key) {
					consts++
					if sources["internal/raw"] {
						byRaw++
					} else {
						t.Errorf("%s %s: changed by one, internal/raw's generated constants do not notice (caught by: %v)", name, m.key, sortedKeys(sources))
					}
					if !sources["library"] {
						t.Errorf("%s %s: changed by one, the root package's generated constants do not notice (caught by: %v)", name, m.key, sortedKeys(sources))
					}
				}
				why := unverifiable(o, m.key)
				switch {
				case len(goCaught) > 0 && why != "":
					t.Errorf("%s %s: listed as unverifiable (%s), but a change by one is caught by %v: take it off the list", name, m.key, why, goCaught)
				case len(goCaught) > 0:
					byGo = append(byGo, m.key+" ("+strings.Join(goCaught, ", ")+")")
				case why == "":
					t.Errorf("%s %s: changed by one, no Go source notices (caught by: %v)", name, m.key, sortedKeys(sources))
				case sources["library"] || sources["internal/raw"]:
					byLibOnly = append(byLibOnly, m.key)
				default:
					byNothing = append(byNothing, m.key)
				}
			}
			t.Logf("%s: %d entries changed by one: %d caught by a Go source, %d only by the library's generated files (root package, internal/raw), %d by nothing here (listed in noGoSource); %d of the %d flags, idtypes and codes caught by internal/raw's constants",
				name, len(byGo)+len(byLibOnly)+len(byNothing), len(byGo), len(byLibOnly), len(byNothing), byRaw, consts)
			t.Logf("caught by a Go source: %s", strings.Join(byGo, "; "))
			if len(byLibOnly) > 0 {
				t.Logf("caught only by the library's generated files: %s", strings.Join(byLibOnly, " "))
			}
			if len(byNothing) > 0 {
				t.Logf("caught by nothing here: %s", strings.Join(byNothing, " "))
			}
		})
	}
}

// isConstKey reports whether key names one of o's flags, idtypes or codes.
func isConstKey(o *abi.OS, key string) bool {
	for _, g := range groups(o) {
		if name, ok := strings.CutPrefix(key, g.kind+"/"); ok {
			if _, ok := find(g.cs, name); ok {
				return true
			}
		}
	}
	return false
}
