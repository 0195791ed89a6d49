package engine

import "strings"

// compiledRules are the <compiled_rule> functions an OSSEC 4.3.0 build
// registers (analysisd/compiled_rules/generic_samples.c), by name.
var compiledRules = map[string]func(ev *event) bool{
	"check_id_size":                         checkIDSize,
	"comp_mswin_targetuser_calleruser_diff": compMSWinTargetCallerDiff,
	"comp_srcuser_dstuser":                  compSrcUserDstUser,
	"is_simple_http_request":                isSimpleHTTPRequest,
	"is_valid_crawler":                      isValidCrawler,
}

// compSrcUserDstUser passes when srcuser and dstuser are equal or one is
// missing.
func compSrcUserDstUser(ev *event) bool {
	s, ok1 := ev.get(slotSrcUser)
	d, ok2 := ev.get(slotDstUser)
	return !ok1 || !ok2 || s == d
}

// checkIDSize passes when the id has at least 10 characters.
func checkIDSize(ev *event) bool {
	id, ok := ev.get(slotID)
	return ok && len(id) >= 10
}

// compMSWinTargetCallerDiff passes when the Windows "Target Account Name"
// and "Caller User Name" differ.
func compMSWinTargetCallerDiff(ev *event) bool {
	log := ev.log
	ti := strings.Index(log, "Target Account Name")
	ci := strings.Index(log, "Caller User Name")
	if ti < 0 || ci < 0 {
		return false
	}
	tc := strings.IndexByte(log[ti:], ':')
	cc := strings.IndexByte(log[ci:], ':')
	if tc < 0 || cc < 0 {
		return false
	}
	t, c := log[ti+tc+1:], log[ci+cc+1:]
	for i := 0; i < len(t); i++ {
		var cb byte
		if i < len(c) {
			cb = c[i]
		}
		if t[i] != cb {
			return true
		}
		if t[i] == '\t' || t[i] == ' ' && i+1 < len(t) && t[i+1] == ' ' {
			break
		}
	}
	return false
}

// isSimpleHTTPRequest passes for a GET (or no action) of "/" or of a URL
// without a query string.
func isSimpleHTTPRequest(ev *event) bool {
	url, ok := ev.get(slotURL)
	if !ok {
		return false
	}
	if a, ok := ev.get(slotAction); ok && !strings.EqualFold(a, "GET") {
		return false
	}
	return url == "/" || strings.IndexByte(url, '?') < 0
}

// isValidCrawler passes for logs starting with the address prefixes of
// known search-engine crawlers. OSSEC then also tries a reverse and
// forward DNS lookup for googlebot.com; the engine does no DNS and treats
// that check as failed.
func isValidCrawler(ev *event) bool {
	for _, p := range [...]string{"72.14.", "209.85.", "65.55.", "207.46.", "74.6.", "72.30.", "67.195."} {
		if strings.HasPrefix(ev.log, p) {
			return true
		}
	}
	return false
}
