package engine

import (
	"strings"

	"github.com/ossec-ruletest/ossec-ruletest/ruleset"
)

// arUsername is ar_pick_username: dstuser, else srcuser, skipping empty
// values and "-".
func arUsername(ev *event) (string, bool) {
	if v, ok := ev.get(slotDstUser); ok && v != "" && v != "-" {
		return v, true
	}
	if v, ok := ev.get(slotSrcUser); ok && v != "" && v != "-" {
		return v, true
	}
	return "", false
}

// safeUser is the check ^[a-zA-Z._0-9@?-]*$ analysisd applies to a user
// name before it runs an active response with it.
func safeUser(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && !strings.ContainsRune("._@?-", rune(c)) {
			return false
		}
	}
	return true
}

// safeIP is ^[a-zA-Z.:_0-9-]*$ for a source IP.
func safeIP(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && !strings.ContainsRune(".:_-", rune(c)) {
			return false
		}
	}
	return true
}

// activeResponses selects the active responses a firing rule triggers,
// as analysisd does before OS_Exec: each bound response whose command's
// expected values are present and well-formed, and whose source IP is
// not allow-listed.
func (s *Session) activeResponses(ev *event, r *ruleset.Rule) []ActiveResponse {
	if r.AlertOpts&ruleset.NoAR != 0 {
		return nil
	}
	var out []ActiveResponse
	cfg := &s.e.rs.Config
	for _, ar := range r.ActiveResponses() {
		var expUser, expIP, expFile bool
		if ar.Command != nil {
			for _, x := range ar.Command.Expect {
				switch strings.ToLower(x) {
				case "user", "username":
					expUser = true
				case "srcip":
					expIP = true
				case "filename":
					expFile = true
				}
			}
		}
		args := map[string]string{}
		if expUser {
			u, ok := arUsername(ev)
			if !ok || !safeUser(u) {
				continue
			}
			args["user"] = u
		}
		if expIP {
			ip, ok := ev.get(slotSrcIP)
			if !ok || !safeIP(ip) {
				continue
			}
			ip = strings.TrimPrefix(ip, "::ffff:")
			if len(cfg.AllowList) > 0 && ipFoundList(ip, cfg.AllowList) {
				continue
			}
			allowed := false
			for _, h := range cfg.HostnameAllowList {
				if strings.HasPrefix(h, ip) {
					allowed = true
					break
				}
			}
			if allowed {
				continue
			}
			args["srcip"] = ip
		}
		if expFile {
			f, ok := ev.get(slotFileName)
			if !ok {
				continue
			}
			args["filename"] = f
		}
		exe := ""
		if ar.Command != nil {
			exe = ar.Command.Executable
		}
		out = append(out, ActiveResponse{
			Command:    ar.CommandName,
			Name:       ar.Name,
			Executable: exe,
			Location:   arLocation(ar.Location),
			AgentID:    ar.AgentID,
			Args:       args,
		})
	}
	return out
}

func arLocation(l ruleset.ARLocation) string {
	var parts []string
	if l&ruleset.ARRemoteAgent != 0 {
		parts = append(parts, "local")
	}
	if l&ruleset.ARServer != 0 {
		parts = append(parts, "server")
	}
	if l&ruleset.ARSpecificAgent != 0 {
		parts = append(parts, "defined-agent")
	}
	if l&ruleset.ARAllAgents != 0 {
		parts = append(parts, "all")
	}
	return strings.Join(parts, ",")
}
