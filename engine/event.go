package engine

import "github.com/ossec-ruletest/ossec-ruletest/ruleset"

// slot names one of the fixed event fields that decoders set and rules
// read. OSSEC keeps each as a separate char pointer in Eventinfo, where
// NULL (never set) and "" (set to an empty capture) differ; event keeps a
// presence bit next to every value for the same reason.
type slot uint8

const (
	slotDstUser slot = iota
	slotSrcUser
	slotSrcIP
	slotDstIP
	slotSrcPort
	slotDstPort
	slotProtocol
	slotAction
	slotID
	slotURL
	slotData
	slotStatus
	slotSystemName
	slotFileName
	slotSrcGeoIP
	slotDstGeoIP
	numSlots
)

// slotLabel is the name ossec-logtest prints in phase 2 for a slot.
var slotLabel = [numSlots]string{
	slotDstUser:    "dstuser",
	slotSrcUser:    "srcuser",
	slotSrcIP:      "srcip",
	slotDstIP:      "dstip",
	slotSrcPort:    "srcport",
	slotDstPort:    "dstport",
	slotProtocol:   "proto",
	slotAction:     "action",
	slotID:         "id",
	slotURL:        "url",
	slotData:       "extra_data",
	slotStatus:     "status",
	slotSystemName: "system_name",
	slotFileName:   "filename",
	slotSrcGeoIP:   "srcgeoip",
	slotDstGeoIP:   "dstgeoip",
}

// categoryOSSECAlert is OSSEC_ALERT, the type the OSSEC alert plugin
// decoder gives its decoder; no rule category has it.
const categoryOSSECAlert ruleset.Category = 12

// event is analysisd's Eventinfo for the event being analysed: one per
// Session, reset for every message so that the hot path does not allocate.
type event struct {
	location  string
	fullLog   string
	log       string
	timestamp string

	hostname    string
	hasHostname bool
	// hostIsLocation is true when the hostname is the location itself
	// (events from agents), as OSSEC's pointer comparison tells them apart.
	hostIsLocation bool
	programName    string
	hasProgramName bool
	pn             *pnameMatches // cached program-name matches, nil until needed

	vals [numSlots]string
	set  uint32 // bit i: vals[i] was set

	// dyn are the dynamic fields (lf->fields), indexed by the capture
	// position that set them; dynSet marks the ones set.
	dyn    []string
	dynSet []bool
	dynMax int // highest index set + 1, to reset cheaply

	decoder *decNode // nil: OSSEC's NULL_Decoder (or a special decoder)
	// special is the decoder of a syscheck / rootcheck / host-information
	// message, which is not in the decoder tree.
	special *specialDecoder
	// ftsDone is FTS_DONE on the decoder: first-time-seen already decided.
	ftsDone bool
	matched int
	size    int
	// lastEvents are the correlation context the event's rule search
	// moved onto it (lf->alert_last_events); nil when none.
	lastEvents []string
	time       int64
	hour       string // "HH:MM:SS" of the receive time
	wday       int

	// generated is the rule the OSSEC alert plugin points at.
	generated *ruleset.Rule

	fields []Field // what phase 2 printed
	arena  *arena
}

func (ev *event) reset() {
	for i := 0; i < ev.dynMax; i++ {
		ev.dyn[i] = ""
		ev.dynSet[i] = false
	}
	dyn, dynSet, a := ev.dyn, ev.dynSet, ev.arena
	*ev = event{dyn: dyn, dynSet: dynSet, arena: a}
}

func (ev *event) has(s slot) bool { return ev.set&(1<<s) != 0 }

func (ev *event) get(s slot) (string, bool) { return ev.vals[s], ev.set&(1<<s) != 0 }

func (ev *event) put(s slot, v string) {
	ev.vals[s] = v
	ev.set |= 1 << s
}

// setPrinted sets a slot as a decoder <order> does, which ossec-logtest
// prints.
func (ev *event) setPrinted(s slot, v string) {
	ev.put(s, v)
	ev.addField(slotLabel[s], v)
}

func (ev *event) addField(name, v string) {
	if ev.fields == nil {
		ev.fields = ev.arena.fields()
	}
	ev.fields = append(ev.fields, Field{Name: name, Value: v})
}

// arena hands out small slices carved from larger blocks, so that the
// field list of a result costs an allocation only every hundred events
// or so. fields returns an empty slice at the free part of the block;
// once filled, keep caps its capacity (appending to a result's slice
// cannot overwrite another result's fields) and, when it still lies in
// the block, takes its fields out of the free part. A slice never kept
// is simply handed out again.
type arena struct {
	block []Field // used part; the free part is up to cap
}

// fieldsPerEvent is the least room fields leaves for appending in place.
const fieldsPerEvent = 16

func (a *arena) fields() []Field {
	if cap(a.block)-len(a.block) < fieldsPerEvent {
		a.block = make([]Field, 0, 32*fieldsPerEvent)
	}
	return a.block[len(a.block):len(a.block)]
}

func (a *arena) keep(f []Field) []Field {
	n := len(f)
	if n == 0 {
		return f
	}
	f = f[:n:n]
	if free := a.block[len(a.block):cap(a.block)]; len(free) >= n && &free[0] == &f[0] {
		a.block = a.block[:len(a.block)+n]
	}
	return f
}

func (ev *event) setDynamic(i int, name, v string) {
	if i >= len(ev.dyn) {
		return
	}
	ev.dyn[i] = v
	ev.dynSet[i] = true
	if i+1 > ev.dynMax {
		ev.dynMax = i + 1
	}
	ev.addField(name, v)
}

// pastSlots are the slots the same_*/different_* options of a
// correlation search compare: the only ones a pastEvent keeps.
var pastSlots = [...]slot{slotDstUser, slotSrcIP, slotSrcPort, slotDstPort, slotID, slotURL, slotSrcGeoIP}

// pastIndex is, by slot, its position in pastSlots (-1: not kept), and
// pastMask the set bits of the kept slots.
var pastIndex, pastMask = func() (idx [numSlots]int8, mask uint32) {
	for i := range idx {
		idx[i] = -1
	}
	for i, sl := range pastSlots {
		idx[sl] = int8(i)
		mask |= 1 << sl
	}
	return idx, mask
}()

// pastEvent is what correlation keeps of an event that generated an
// alert: the values Search_LastSids, Search_LastGroups and
// Search_LastEvents compare, and the mutable matched level.
type pastEvent struct {
	time     int64
	matched  int
	decoder  *decNode
	special  *specialDecoder
	hostname string
	// set has the bit of each of pastSlots that was set (by slot, as
	// event.set); d holds the values and logs (nil: none, with
	// Options.Lean).
	set uint32
	// groupRefs counts the group-history nodes that point at the event:
	// once freed, it is reused only when none does (see recycle).
	groupRefs int32
	d         *pastData
	// sidRule and sidNode locate the event in the sid history it sits
	// in (own is that node), so that eviction from the event list
	// removes it there too. An event in group histories has no sid
	// history: own is then its node in the first one.
	sidRule *ruleset.Rule
	sidNode *listNode
	own     listNode
	// prev and next link the global event list, newest first.
	prev, next *pastEvent
	// generated is the rule whose group histories this event fed.
	generated *ruleset.Rule
}

// pastData is what a past event keeps of its event's text: the values of
// pastSlots, the log and the full log.
type pastData struct {
	vals         [len(pastSlots)]string
	log, fullLog string
}

// pastFull is a past event with its data, allocated together.
type pastFull struct {
	p pastEvent
	d pastData
}

// get is a kept slot's value; s must be one of pastSlots.
func (p *pastEvent) get(s slot) (string, bool) {
	if p.set&(1<<s) == 0 {
		return "", false
	}
	return p.d.vals[pastIndex[s]], true
}

// log is the event's log ("" when Options.Lean did not keep it).
func (p *pastEvent) log() string {
	if p.d == nil {
		return ""
	}
	return p.d.log
}

// fullLog is the event's full log ("" with Options.Lean).
func (p *pastEvent) fullLog() string {
	if p.d == nil {
		return ""
	}
	return p.d.fullLog
}

// specialDecoder is one of the decoders analysisd builds in code for
// syscheck, rootcheck and host-information messages.
type specialDecoder struct {
	name string
	id   int
	typ  ruleset.Category
	fts  ruleset.FTSFields
}

func (ev *event) decoderID() int {
	if ev.decoder != nil {
		return ev.decoder.d.ID
	}
	if ev.special != nil {
		return ev.special.id
	}
	return 0
}

func (ev *event) decoderName() (string, bool) {
	if ev.decoder != nil {
		return ev.decoder.d.Name, true
	}
	if ev.special != nil {
		return ev.special.name, true
	}
	return "", false
}

func (ev *event) decoderFTS() ruleset.FTSFields {
	if ev.decoder != nil {
		return ev.decoder.d.FTS
	}
	if ev.special != nil {
		return ev.special.fts
	}
	return 0
}
