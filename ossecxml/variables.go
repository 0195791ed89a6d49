package ossecxml

import (
	"fmt"
	"strings"
)

// ApplyVariables performs OS_ApplyVariables: each <var name="x">value</var>
// defines $x for the contents and attribute values that follow it in the
// document (case-insensitive names, first definition wins). A variable name
// ends at '$', '.', '|', ',', ' ' or the end of the text. Texts of two bytes
// or less are left alone, and so is every text before the first variable
// definition; after it, an unknown $name is an error. A lone '$' stays.
func (d *Document) ApplyVariables() error {
	d.valid()
	var names, values []string
	items := d.Items
	for i := range items {
		it := &items[i]
		if it.Kind == KindVariable {
			found := false
			for j := i + 1; j < len(items); j++ {
				a := &items[j]
				if a.Depth < it.Depth {
					break
				}
				if a.Kind != KindAttribute {
					continue
				}
				if !strings.EqualFold(a.Name, "name") {
					return d.errAt(int(a.pos), CodeVarBadAttr, "only \"name\" is allowed as an attribute for a variable (found %q)", a.Name)
				}
				if len(a.Content) >= MaxVariableSize {
					return d.errAt(int(a.contentPos), CodeVarNameSize, "variable name longer than %d bytes", MaxVariableSize-1)
				}
				names = append(names, a.Content)
				found = true
				break
			}
			if !found {
				return d.errAt(int(it.pos), CodeVarNoValue, "no name set for variable")
			}
			values = append(values, it.Content)
			continue
		}
		if len(it.Content) <= 2 || len(names) == 0 || strings.IndexByte(it.Content, '$') < 0 {
			continue
		}
		out, err := substitute(it.Content, names, values)
		if err != nil {
			return d.errAt(int(it.contentPos), err.code, "%s", err.msg)
		}
		it.Content = out
	}
	return nil
}

type varError struct {
	code Code
	msg  string
}

func substitute(s string, names, values []string) (string, *varError) {
	var b strings.Builder
	b.Grow(len(s))
	p := 0
	for p < len(s) {
		if s[p] != '$' {
			b.WriteByte(s[p])
			p++
			continue
		}
		p++
		start := p
		for p < len(s) && !isVarEnd(s[p]) {
			if p-start >= MaxVariableSize-1 {
				return "", &varError{CodeVarNameSize, "invalid variable name size"}
			}
			p++
		}
		name := s[start:p]
		if name == "" {
			b.WriteByte('$')
			continue
		}
		j := 0
		for ; j < len(names); j++ {
			if strings.EqualFold(names[j], name) {
				break
			}
		}
		if j == len(names) {
			return "", &varError{CodeVarUnknown, "unknown variable: '" + name + "'"}
		}
		b.WriteString(values[j])
	}
	return b.String(), nil
}

func isVarEnd(c byte) bool {
	return c == '$' || c == '.' || c == '|' || c == ',' || c == ' '
}

func (d *Document) errAt(o int, code Code, format string, args ...any) *Error {
	line := 0
	p := d.pos(o, &line)
	e := &Error{File: d.File, Line: int(p.Line), Col: int(p.Col), Code: code}
	e.Msg = sprintf(format, args...)
	return e
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
