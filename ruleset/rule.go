package ruleset

import (
	"reflect"

	"github.com/ossec-ruletest/ossec-ruletest/osregex"
)

// EditConditions returns the rule's FieldConditions to build the rule
// with, making them when it has none. Readers use the methods below,
// which make nothing.
func (r *Rule) EditConditions() *FieldConditions {
	if r.conds == nil {
		r.conds = new(FieldConditions)
	}
	return r.conds
}

// EditExtras returns the rule's RuleExtras to build the rule with, making
// them when it has none. Readers use the methods below, which make
// nothing.
func (r *Rule) EditExtras() *RuleExtras {
	if r.extras == nil {
		r.extras = new(RuleExtras)
	}
	return r.extras
}

// kept returns a copy of v for a rule to point to, or nil when v holds
// none of its settings (is the zero value).
func kept[T any](v *T) *T {
	if reflect.ValueOf(v).Elem().IsZero() {
		return nil
	}
	c := *v
	return &c
}

// noConds and noExtras are what a rule without FieldConditions or
// RuleExtras reads. Nothing writes them: conditions and extraSettings are
// their only uses, for the methods below (and overwrite's copies) to
// read; builders use EditConditions and EditExtras.
// TestRuleSettingsOfRareRules and TestByIDFromTree check that they stay
// empty.
var (
	noConds  FieldConditions
	noExtras RuleExtras
)

// conditions returns the rule's FieldConditions, or noConds, to read.
func (r *Rule) conditions() *FieldConditions {
	if r.conds == nil {
		return &noConds
	}
	return r.conds
}

// extraSettings returns the rule's RuleExtras, or noExtras, to read.
func (r *Rule) extraSettings() *RuleExtras {
	if r.extras == nil {
		return &noExtras
	}
	return r.extras
}

// The methods below read the settings of FieldConditions and RuleExtras:
// each gives the field of the same name, or its zero value when the rule
// has none of that struct's settings.

// SrcIP is FieldConditions.SrcIP: the <srcip> entries.
func (r *Rule) SrcIP() []IPMatch { return r.conditions().SrcIP }

// DstIP is FieldConditions.DstIP: the <dstip> entries.
func (r *Rule) DstIP() []IPMatch { return r.conditions().DstIP }

// SrcPort is FieldConditions.SrcPort: <srcport>.
func (r *Rule) SrcPort() *osregex.Pattern { return r.conditions().SrcPort }

// SrcPortPCRE2 is FieldConditions.SrcPortPCRE2: <srcport_pcre2>.
func (r *Rule) SrcPortPCRE2() *osregex.Pattern { return r.conditions().SrcPortPCRE2 }

// DstPort is FieldConditions.DstPort: <dstport>.
func (r *Rule) DstPort() *osregex.Pattern { return r.conditions().DstPort }

// DstPortPCRE2 is FieldConditions.DstPortPCRE2: <dstport_pcre2>.
func (r *Rule) DstPortPCRE2() *osregex.Pattern { return r.conditions().DstPortPCRE2 }

// User is FieldConditions.User: <user>.
func (r *Rule) User() *osregex.Pattern { return r.conditions().User }

// UserPCRE2 is FieldConditions.UserPCRE2: <user_pcre2>.
func (r *Rule) UserPCRE2() *osregex.Pattern { return r.conditions().UserPCRE2 }

// URL is FieldConditions.URL: <url>.
func (r *Rule) URL() *osregex.Pattern { return r.conditions().URL }

// URLPCRE2 is FieldConditions.URLPCRE2: <url_pcre2>.
func (r *Rule) URLPCRE2() *osregex.Pattern { return r.conditions().URLPCRE2 }

// EventID is FieldConditions.EventID: <id>.
func (r *Rule) EventID() *osregex.Pattern { return r.conditions().EventID }

// Status is FieldConditions.Status: <status>.
func (r *Rule) Status() *osregex.Pattern { return r.conditions().Status }

// StatusPCRE2 is FieldConditions.StatusPCRE2: <status_pcre2>.
func (r *Rule) StatusPCRE2() *osregex.Pattern { return r.conditions().StatusPCRE2 }

// Hostname is FieldConditions.Hostname: <hostname>.
func (r *Rule) Hostname() *osregex.Pattern { return r.conditions().Hostname }

// HostnamePCRE2 is FieldConditions.HostnamePCRE2: <hostname_pcre2>.
func (r *Rule) HostnamePCRE2() *osregex.Pattern { return r.conditions().HostnamePCRE2 }

// ProgramName is FieldConditions.ProgramName: <program_name>.
func (r *Rule) ProgramName() *osregex.Pattern { return r.conditions().ProgramName }

// ProgramNamePCRE2 is FieldConditions.ProgramNamePCRE2: <program_name_pcre2>.
func (r *Rule) ProgramNamePCRE2() *osregex.Pattern { return r.conditions().ProgramNamePCRE2 }

// ExtraData is FieldConditions.ExtraData: <extra_data>.
func (r *Rule) ExtraData() *osregex.Pattern { return r.conditions().ExtraData }

// ExtraDataPCRE2 is FieldConditions.ExtraDataPCRE2: <extra_data_pcre2>.
func (r *Rule) ExtraDataPCRE2() *osregex.Pattern { return r.conditions().ExtraDataPCRE2 }

// SrcGeoIP is FieldConditions.SrcGeoIP: <srcgeoip>.
func (r *Rule) SrcGeoIP() *osregex.Pattern { return r.conditions().SrcGeoIP }

// SrcGeoIPPCRE2 is FieldConditions.SrcGeoIPPCRE2: <srcgeoip_pcre2>.
func (r *Rule) SrcGeoIPPCRE2() *osregex.Pattern { return r.conditions().SrcGeoIPPCRE2 }

// DstGeoIP is FieldConditions.DstGeoIP: <dstgeoip>.
func (r *Rule) DstGeoIP() *osregex.Pattern { return r.conditions().DstGeoIP }

// DstGeoIPPCRE2 is FieldConditions.DstGeoIPPCRE2: <dstgeoip_pcre2>.
func (r *Rule) DstGeoIPPCRE2() *osregex.Pattern { return r.conditions().DstGeoIPPCRE2 }

// Action is FieldConditions.Action: <action>.
func (r *Rule) Action() string { return r.conditions().Action }

// HasAction is FieldConditions.HasAction: whether the rule has an <action>.
func (r *Rule) HasAction() bool { return r.conditions().HasAction }

// Fields is FieldConditions.Fields: the <field> entries.
func (r *Rule) Fields() []FieldMatch { return r.conditions().Fields }

// Lists is FieldConditions.Lists: the <list> lookups kept.
func (r *Rule) Lists() []*ListRule { return r.conditions().Lists }

// MaxSize is RuleExtras.MaxSize: the maxsize attribute.
func (r *Rule) MaxSize() int { return r.extraSettings().MaxSize }

// IgnoreTime is RuleExtras.IgnoreTime: the ignore attribute.
func (r *Rule) IgnoreTime() int { return r.extraSettings().IgnoreTime }

// Ignore is RuleExtras.Ignore: <ignore>.
func (r *Rule) Ignore() FTSFields { return r.extraSettings().Ignore }

// CheckIgnore is RuleExtras.CheckIgnore: <check_if_ignored>.
func (r *Rule) CheckIgnore() FTSFields { return r.extraSettings().CheckIgnore }

// Info is RuleExtras.Info: the <info> contents.
func (r *Rule) Info() string { return r.extraSettings().Info }

// CVE is RuleExtras.CVE: the <cve> contents.
func (r *Rule) CVE() string { return r.extraSettings().CVE }

// InfoDetails is RuleExtras.InfoDetails: the <info> and <cve> entries.
func (r *Rule) InfoDetails() []InfoDetail { return r.extraSettings().InfoDetails }

// Match is RuleExtras.Match: <match>.
func (r *Rule) Match() *osregex.Pattern { return r.extraSettings().Match }

// MatchPCRE2 is RuleExtras.MatchPCRE2: <match_pcre2>.
func (r *Rule) MatchPCRE2() *osregex.Pattern { return r.extraSettings().MatchPCRE2 }

// Regex is RuleExtras.Regex: <regex>.
func (r *Rule) Regex() *osregex.Pattern { return r.extraSettings().Regex }

// Time is RuleExtras.Time: <time>.
func (r *Rule) Time() *TimeRange { return r.extraSettings().Time }

// Weekday is RuleExtras.Weekday: <weekday>.
func (r *Rule) Weekday() *WeekdaySet { return r.extraSettings().Weekday }

// IfLevel is RuleExtras.IfLevel: <if_level>.
func (r *Rule) IfLevel() string { return r.extraSettings().IfLevel }

// IfGroup is RuleExtras.IfGroup: <if_group>.
func (r *Rule) IfGroup() string { return r.extraSettings().IfGroup }

// IfMatchedGroup is RuleExtras.IfMatchedGroup: <if_matched_group>.
func (r *Rule) IfMatchedGroup() *osregex.Pattern { return r.extraSettings().IfMatchedGroup }

// IfMatchedRegex is RuleExtras.IfMatchedRegex: <if_matched_regex>.
func (r *Rule) IfMatchedRegex() *osregex.Pattern { return r.extraSettings().IfMatchedRegex }

// CompiledRule is RuleExtras.CompiledRule: <compiled_rule>.
func (r *Rule) CompiledRule() string { return r.extraSettings().CompiledRule }

// ActiveResponses is RuleExtras.ActiveResponses: the active responses bound to the rule.
func (r *Rule) ActiveResponses() []*ActiveResponse { return r.extraSettings().ActiveResponses }

// Overwritten is RuleExtras.Overwritten: where the overwrite="yes" rule that replaced the rule's settings starts.
func (r *Rule) Overwritten() Pos { return r.extraSettings().Overwritten }
