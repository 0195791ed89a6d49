package engine

// Accumulator constants of OSSEC 4.3.0 (accumulator.c).
const (
	acmExpire     = 120 // seconds an entry lives
	acmPurgeCount = 200 // lookups between purges
	acmMaxElem    = 81  // values must be shorter than this
	acmMaxKey     = 256
)

// acmSlots are the fields the accumulator carries between events.
var acmSlots = [...]slot{slotDstUser, slotSrcUser, slotDstIP, slotSrcIP, slotDstPort, slotSrcPort, slotData}

type acmEntry struct {
	time int64
	vals [len(acmSlots)]string
	set  [len(acmSlots)]bool
}

// acmState is the accumulator store of one process.
type acmState struct {
	store   map[string]*acmEntry
	lookups int
}

// accumulate is Accumulate(): events of an <accumulate/> decoder that
// share hostname, decoder name and id fill each other's empty fields.
func (s *Session) accumulate(ev *event) {
	id, ok := ev.get(slotID)
	if !ok {
		return
	}
	name, ok := ev.decoderName()
	if !ok {
		return
	}
	a := &s.acm
	if a.store == nil {
		a.store = map[string]*acmEntry{}
	}
	now := ev.time
	a.lookups++
	if a.lookups >= acmPurgeCount {
		a.lookups = 0
		for k, v := range a.store {
			if v.time < now-acmExpire {
				delete(a.store, k)
			}
		}
	}
	key := ev.hostname + " " + name + " " + id
	if len(key) >= acmMaxKey {
		return
	}
	st, found := a.store[key]
	switch {
	case !found:
		st = &acmEntry{}
		a.store[key] = st
	case st.time > 0 && st.time < now-acmExpire:
		st = &acmEntry{}
		a.store[key] = st
	default:
		for i, sl := range acmSlots {
			if !st.set[i] {
				continue
			}
			if v, ok := ev.get(sl); ok && v != "" {
				continue
			}
			if n := len(st.vals[i]); n == 0 || n > acmMaxElem-1 {
				continue
			}
			ev.put(sl, st.vals[i])
		}
	}
	st.time = now
	for i, sl := range acmSlots {
		v, ok := ev.get(sl)
		if !ok || (st.set[i] && st.vals[i] != "") {
			continue
		}
		if n := len(v); n == 0 || n > acmMaxElem-1 {
			continue
		}
		st.vals[i], st.set[i] = v, true
	}
}
