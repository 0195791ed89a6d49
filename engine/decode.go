package engine

import "github.com/ossec-ruletest/ossec-ruletest/ruleset"

// decode is DecodeEvent: it walks the decoder list that fits the event
// (program-name decoders when it has a program name, the others when
// not), sets ev.decoder and the fields the matching decoder's regexes
// capture. Offsets are byte positions in ev.log; -1 stands for OSSEC's
// NULL pointer.
func (s *Session) decode(ev *event) {
	list := s.e.nopname
	var cand []int32
	obs := s.obs
	log := ev.log
	sc := s.scan(log)
	if ev.hasProgramName {
		list = s.e.pname
		ev.pn = s.e.pnameLookup(ev.programName)
		cand = ev.pn.decoders
	} else if obs == nil && log != "" {
		cand = s.e.nopByFirst[log[0]]
	}
	pmatch, cmatch := -1, -1
	for k := 0; ; k++ {
		var node *decNode
		if ev.hasProgramName {
			if obs != nil {
				// Report the decoders whose program name did not match
				// as tried, as OSSEC tries them one by one.
				next := len(list)
				if k < len(cand) {
					next = int(cand[k])
				}
				prev := 0
				if k > 0 {
					prev = int(cand[k-1]) + 1
				}
				for _, n := range list[prev:next] {
					obs.DecoderTried(n.d)
				}
			}
			if k >= len(cand) {
				break
			}
			node = list[cand[k]]
			if obs != nil {
				obs.DecoderTried(node.d)
			}
			if node.d.ProgramName != nil {
				pmatch = 0
			}
		} else {
			if cand != nil {
				if k >= len(cand) {
					break
				}
				node = list[cand[k]]
			} else {
				if k >= len(list) {
					break
				}
				node = list[k]
			}
			if obs != nil {
				obs.DecoderTried(node.d)
			}
		}
		if !sc.may(&node.preQ) {
			continue
		}
		d := node.d
		if d.Prematch != nil {
			end := s.execDecoder(d.Prematch, node.pre, log, 0)
			if end < 0 {
				continue
			}
			pmatch = end
		}
		s.setDecoder(ev, node)

		// Find the child that matches; without children the decoder
		// itself goes on to its regexes.
		nn, ci := node, -1
		if len(node.children) > 0 {
			nn = nil
			kids := node.children
			for i := 0; i < len(kids); {
				c := kids[i]
				if obs != nil {
					obs.DecoderTried(c.d)
				}
				// A prematch its node's quick check rules out fails
				// without reading the decoder.
				if sc.may(&c.preQ) {
					if c.d.Prematch == nil {
						cmatch = pmatch
						nn, ci = c, i
						break
					}
					base := 0
					if c.d.PrematchOffset&ruleset.OffsetAfterParent != 0 {
						base = pmatch
					}
					if base >= 0 {
						if end := s.execDecoder(c.d.Prematch, c.pre, log, base); end >= 0 {
							cmatch = base + end
							s.setDecoder(ev, c)
							nn, ci = c, i
							break
						}
					}
				}
				if c.getNext {
					i++
					for i < len(kids) && kids[i].getNext {
						i++
					}
					if i >= len(kids) {
						return
					}
				}
				i++
			}
			if nn == nil {
				return
			}
		}

		if nn.d.Plugin != ruleset.PluginNone {
			s.runPlugin(ev, nn)
			return
		}

		regexPrev := -1
		for nn != nil && nn.d.Regex != nil {
			rd := nn.d
			llog := 0
			if off := rd.RegexOffset; off != 0 {
				switch {
				case off&ruleset.OffsetAfterParent != 0:
					llog = pmatch
				case off&ruleset.OffsetAfterPrematch != 0:
					llog = cmatch
				case off&ruleset.OffsetAfterRegex != 0:
					llog = regexPrev
					if llog < 0 {
						llog = cmatch
					}
				}
			}
			end := -1
			if llog >= 0 {
				end = s.execDecoder(rd.Regex, nn.re, log, llog)
			}
			if end < 0 {
				// A failed regex leaves OSSEC's regex_prev NULL: the next
				// after_regex decoder starts after the prematch again.
				regexPrev = -1
				if rd.GetNext {
					nn, ci = nextSibling(node, nn, ci)
					continue
				}
				return
			}
			regexPrev = llog + end
			s.setDecoder(ev, nn)
			for i, v := range s.subs {
				if i < len(rd.Order) {
					s.setField(ev, nn, i, v)
				}
			}
			if !rd.GetNext {
				return
			}
			nn, ci = nextSibling(node, nn, ci)
		}
		return
	}
}

// nextSibling is child_node->next for the node nn at position ci among
// parent's children (ci == -1: nn is the parent itself, whose next is a
// top-level decoder OSSEC never reaches this way).
func nextSibling(parent, nn *decNode, ci int) (*decNode, int) {
	if ci < 0 || ci+1 >= len(parent.children) {
		return nil, -1
	}
	return parent.children[ci+1], ci + 1
}

func (s *Session) setDecoder(ev *event, n *decNode) {
	ev.decoder = n
	if s.obs != nil {
		s.obs.DecoderMatched(n.d)
	}
}

// fieldSlots maps the static <order> kinds to their slots.
var fieldSlots = map[ruleset.FieldKind]slot{
	ruleset.FieldDstUser: slotDstUser, ruleset.FieldSrcUser: slotSrcUser, ruleset.FieldSrcIP: slotSrcIP,
	ruleset.FieldDstIP: slotDstIP, ruleset.FieldSrcPort: slotSrcPort, ruleset.FieldDstPort: slotDstPort,
	ruleset.FieldProtocol: slotProtocol, ruleset.FieldAction: slotAction, ruleset.FieldID: slotID,
	ruleset.FieldURL: slotURL, ruleset.FieldData: slotData, ruleset.FieldStatus: slotStatus,
	ruleset.FieldSystemName: slotSystemName, ruleset.FieldFileName: slotFileName,
}

// FieldLabel is the name ossec-logtest prints (and Result.Fields uses) for
// the field an <order> entry sets: "dstuser" for <order>user</order>, the
// entry itself for a dynamic field.
func FieldLabel(f ruleset.FieldSetter) string {
	if sl, ok := fieldSlots[f.Kind]; ok {
		return slotLabel[sl]
	}
	return f.Name
}

// setField runs the <order> setter at position i of n's decoder.
func (s *Session) setField(ev *event, n *decNode, i int, v string) {
	switch n.d.Order[i].Kind {
	case ruleset.FieldDstUser:
		ev.setPrinted(slotDstUser, v)
	case ruleset.FieldSrcUser:
		ev.setPrinted(slotSrcUser, v)
	case ruleset.FieldSrcIP:
		ev.setPrinted(slotSrcIP, v)
	case ruleset.FieldDstIP:
		ev.setPrinted(slotDstIP, v)
	case ruleset.FieldSrcPort:
		ev.setPrinted(slotSrcPort, v)
	case ruleset.FieldDstPort:
		ev.setPrinted(slotDstPort, v)
	case ruleset.FieldProtocol:
		ev.setPrinted(slotProtocol, v)
	case ruleset.FieldAction:
		ev.setPrinted(slotAction, v)
	case ruleset.FieldID:
		ev.setPrinted(slotID, v)
	case ruleset.FieldURL:
		ev.setPrinted(slotURL, v)
	case ruleset.FieldData:
		ev.setPrinted(slotData, v)
	case ruleset.FieldStatus:
		ev.setPrinted(slotStatus, v)
	case ruleset.FieldSystemName:
		ev.setPrinted(slotSystemName, v)
	case ruleset.FieldFileName:
		ev.setPrinted(slotFileName, v)
	default:
		ev.setDynamic(i, n.dynName(i), v)
	}
}
