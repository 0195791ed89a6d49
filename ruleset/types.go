package ruleset

import (
	"net/netip"

	"github.com/ossec-ruletest/ossec-ruletest/osregex"
)

// Pos locates a piece of configuration in a file: File is the path as
// given to Load (or as OSSEC would open it), Line and Col are 1-based. The
// zero Pos means "no position" (built-in objects).
type Pos struct {
	File string
	Line int
	Col  int
}

// Ruleset is a compiled, immutable OSSEC 4.3.0 configuration: the global
// settings of ossec.conf, the decoder tree, the rule tree, the CDB lists and
// the active responses, all resolved and with every pattern compiled. The
// engine walks it without parsing anything. Nothing in a Ruleset changes
// after Load returns; correlation state (fired times, previous matches,
// last events) lives in the engine, indexed by Rule.Index.
type Ruleset struct {
	// Config holds the <global> and <alerts> settings and the
	// internal_options values analysisd uses.
	Config Config

	// ProgramNameDecoders is OSSEC's "forpname" list: the top-level
	// decoders that have a <program_name> (or <program_name_pcre2>), in
	// load order. DecodeEvent tries it when the event has a program name.
	ProgramNameDecoders []*Decoder
	// NoProgramNameDecoders is OSSEC's "nopname" list: the top-level
	// decoders without a program name, in load order. DecodeEvent tries
	// it only when the event has no program name (the two lists are never
	// both tried for one event).
	NoProgramNameDecoders []*Decoder
	// Decoders lists every decoder (top-level and child) once, in the
	// order the decoder files defined them.
	Decoders []*Decoder
	// DecoderNames maps a decoder ID (the OSStore position used by
	// <decoded_as> and Decoder.ID) to its name; index 0 is "".
	// It includes the built-in names (rootcheck, syscheck_*, hostinfo_*)
	// that SetDecodeXML registers after the decoder files.
	DecoderNames []string

	// Rules are the top-level nodes of the rule tree (rules with ids
	// below 10: the category "templates"), in the order OSSEC tries them:
	// sorted by decreasing internal level, insertion order among equals.
	// Every other rule hangs below them in RuleNode.Children.
	Rules []*RuleNode
	// AllRules lists every rule once, in the order the files defined it
	// (an overwrite="yes" rule does not add an entry: it updates the
	// original). AllRules[i].Index == i.
	AllRules []*Rule
	// ByID maps a rule id to its rule.
	ByID map[int]*Rule

	// Commands are the <command> blocks of ossec.conf, in order.
	Commands []*Command
	// ActiveResponses are the <active-response> blocks that analysisd
	// kept (those whose command exists and that are not disabled), in order.
	ActiveResponses []*ActiveResponse

	// Lists are the CDB lists named in <rules><list>, in order.
	Lists []*List

	// RuleFiles are the rule files loaded, in load order, as OSSEC opened
	// them; DecoderFiles likewise for decoders.
	RuleFiles    []string
	DecoderFiles []string
	// LegacyDecoders is true when the base configuration names no
	// <decoder> file, so that analysisd read etc/decoder.xml and
	// etc/local_decoder.xml (it then logs "Reading local decoder file"
	// whether or not the local file exists).
	LegacyDecoders bool

	// Warnings are the diagnostics of severity warning that loading
	// produced (OSSEC logs them and goes on).
	Warnings []Diagnostic
}

// Config is the part of ossec.conf (and internal_options.conf) that
// analysisd's rule and decoder handling depends on.
type Config struct {
	// LogAlertLevel is <alerts><log_alert_level> (Config.logbylevel):
	// rules of at least this level get DO_LOGALERT. Default 1.
	LogAlertLevel int
	// EmailAlertLevel is <alerts><email_alert_level> (Config.mailbylevel):
	// rules of at least this level get DO_MAILALERT. Default 7.
	EmailAlertLevel int
	// EmailNotification is <global><email_notification> (mailnotify).
	EmailNotification bool
	// LogAll is <global><logall>.
	LogAll bool
	// LogAllJSON is <global><logall_json>.
	LogAllJSON bool
	// JSONOutput is <global><jsonout_output>.
	JSONOutput bool
	// Stats is <global><stats> (the stats level, 0 when unset).
	Stats int
	// MemorySize is <global><memory_size> (correlation memory), default 1024.
	MemorySize int
	// AllowList is <global><white_list> (and <allow_list>) IP entries:
	// never blocked by active response.
	AllowList []IPMatch
	// HostnameAllowList holds the <white_list> entries that are not IPs.
	HostnameAllowList []string
	// DecoderOrderSize is analysisd.decoder_order_size from
	// internal_options (default 256, max 1024): the most fields an
	// <order> may list and the most <field> entries a rule may have.
	DecoderOrderSize int
	// DefaultTimeframe is analysisd.default_timeframe (default 360):
	// a rule's timeframe when the attribute is absent.
	DefaultTimeframe int
	// SidPrevMatchedMax is analysisd.sid_prev_matched_max: how many
	// events an if_matched_sid history keeps.
	SidPrevMatchedMax int
	// MaxFrequency is the largest frequency of any rule (_max_freq).
	MaxFrequency int
	// ActiveResponse is false when active response is disabled for the
	// manager (no <active-response> kept, or all disabled).
	ActiveResponse bool
	// SyscheckIgnore are the <syscheck><ignore> entries, in order (every
	// <syscheck> section adds to them; attributes such as type="sregex"
	// are not read by analysisd).
	SyscheckIgnore []string
	// SyscheckAutoIgnore is <syscheck><auto_ignore> (default true).
	SyscheckAutoIgnore bool
	// SyscheckAlertNew is <syscheck><alert_new_files> (default false).
	SyscheckAlertNew bool
	// PreludeLogLevel, GeoIPDB, ZeroMQ and similar output-only settings are
	// not kept: they do not change what a rule or decoder does.
}

// Category is a rule <category> or decoder <type> (OSSEC's event types).
type Category uint8

// Categories, with OSSEC's numeric values.
const (
	CategorySyslog   Category = 1  // "syslog" (the default)
	CategoryIDS      Category = 2  // "ids"
	CategoryFirewall Category = 3  // "firewall"
	CategoryWebLog   Category = 7  // "web-log"
	CategorySquid    Category = 8  // "squid"
	CategoryWindows  Category = 9  // "windows"
	CategoryHostInfo Category = 10 // "host-information" (decoders only)
	CategoryOSSEC    Category = 11 // "ossec"
)

// AlertOpts are a rule's alert options (RuleInfo.alert_opts), with OSSEC's
// bit values.
type AlertOpts uint16

// Alert option bits.
const (
	DoFTS         AlertOpts = 0x001 // <if_fts/>: check the first-time-seen queue
	DoMailAlert   AlertOpts = 0x002 // level >= email_alert_level, or options alert_by_email
	DoLogAlert    AlertOpts = 0x004 // level >= log_alert_level, or options log_alert
	NoAR          AlertOpts = 0x008 // options no_ar
	NoAlert       AlertOpts = 0x010 // noalert attribute
	DoOverwrite   AlertOpts = 0x020 // overwrite="yes"
	DoPacketInfo  AlertOpts = 0x040 // rule uses srcip/dstip/srcport/dstport
	DoExtraInfo   AlertOpts = 0x100 // rule uses user/status/hostname/extra_data/time/...
	SameExtraInfo AlertOpts = 0x200 // rule uses same_*/different_* options
)

// ContextOpts are a rule's correlation options (RuleInfo.context_opts),
// with OSSEC's bit values. The not_same_* elements clear bits with OSSEC's
// masks (0xffe, 0xffd, 0xffb, 0xff7: notSameUser and the others in
// rules.go), which would also clear higher bits (none is used).
type ContextOpts uint16

// Context option bits.
const (
	SameUser          ContextOpts = 0x001 // <same_user/>
	SameSrcIP         ContextOpts = 0x002 // <same_source_ip/>
	SameID            ContextOpts = 0x004 // <same_id/>
	SameLocation      ContextOpts = 0x008 // <same_location/>
	DifferentURL      ContextOpts = 0x010 // <different_url/>
	SameSrcPort       ContextOpts = 0x020 // <same_src_port/>
	SameDstPort       ContextOpts = 0x040 // <same_dst_port/>
	SameDoDiff        ContextOpts = 0x100 // <check_diff/>
	DifferentSrcIP    ContextOpts = 0x200 // <different_srcip/>
	DifferentSrcGeoIP ContextOpts = 0x400 // <different_srcgeoip/>
)

// FTSFields is a set of fields for first-time-seen (decoder <fts>) and for
// rule <ignore> / <check_if_ignored>, with OSSEC's bit values.
type FTSFields uint16

// FTS field bits.
const (
	FTSID         FTSFields = 0o10
	FTSData       FTSFields = 0o20
	FTSSystemName FTSFields = 0o40
	FTSSrcIP      FTSFields = 0o100
	FTSDstIP      FTSFields = 0o200
	FTSLocation   FTSFields = 0o400
	FTSName       FTSFields = 0o1000
	FTSSrcUser    FTSFields = 0o2000
	FTSDstUser    FTSFields = 0o4000
)

// EventSearch says which correlation search a rule runs (RuleInfo.event_search).
type EventSearch uint8

// Event searches.
const (
	SearchNone       EventSearch = iota // no correlation
	SearchLastSids                      // if_matched_sid: Search_LastSids over SidSearch's history
	SearchLastGroups                    // if_matched_group: Search_LastGroups over this rule's group history
	SearchLastEvents                    // if_matched_regex / frequency alone: Search_LastEvents over the event list
)

// RuleNode is one place of a rule in the rule tree (OSSEC's RuleNode).
// A rule attached below several parents (if_sid="1,2", if_group, if_level)
// has one RuleNode per attachment, all pointing at the same *Rule, and each
// node has its own children. A later rule attached to it (if_sid, if_group,
// if_level) is attached below each of its nodes that OSSEC's search
// reaches; for if_sid the search of a list of siblings stops at the first
// node of that rule, so the children lists of two nodes of one rule can
// differ.
type RuleNode struct {
	Rule *Rule
	// Children are the nodes tried after Rule matches here, in OSSEC's
	// order (decreasing internal level, then insertion order).
	Children []*RuleNode
}

// Rule is one compiled <rule> (OSSEC's RuleInfo), shared by all the
// RuleNodes where it appears. The settings that few rules have live in a
// FieldConditions and a RuleExtras that the rule points to only when it
// has any of them; read them through the methods of the same name (rule.go),
// which give the zero value for a rule without them.
type Rule struct {
	// Index is the rule's position in Ruleset.AllRules: the key for the
	// engine's per-rule state.
	Index int
	// ID is the id attribute (sigid).
	ID int
	// Level is the level after load, as _setlevels leaves it: the level
	// attribute, except that level="0" accuracy="0" gives 99 (OSSEC stores
	// level 0 as 99 and only scales it back when it was multiplied by 100).
	Level int
	// Frequency is the frequency attribute as written (0: none). OSSEC
	// compares the number of matching previous events with it.
	Frequency int
	// Timeframe is the timeframe attribute, Config.DefaultTimeframe when absent.
	Timeframe int
	// AlertOpts are the alert options (DoLogAlert, DoMailAlert, NoAlert, ...).
	AlertOpts AlertOpts
	// ContextOpts are the same_*/different_*/not_same_*/check_diff options.
	ContextOpts ContextOpts
	// Context is RuleInfo.context after load: true when the rule
	// correlates (if_matched_*, check_diff; cleared again for a
	// check_diff-only rule, as OSSEC does).
	Context bool
	// Category is <category>, or the parent's category when attached by
	// if_sid, or the matched template's category when attached by category.
	Category Category
	// HasDescription reports whether the rule had a <description>.
	HasDescription bool
	// KeepsSidHistory reports whether the engine must remember the events
	// this rule matches (some if_matched_sid rule names it).
	KeepsSidHistory bool
	// EventSearch is the correlation search this rule runs.
	EventSearch EventSearch
	// DecodedAs is the decoder ID from <decoded_as> (0: none); DecodedAsName
	// is the name as written.
	DecodedAs     int
	DecodedAsName string

	// Groups is the group string exactly as OSSEC builds it: the
	// enclosing <group name="..."> value followed by each <group> element's
	// content, concatenated without separator ("syslog,sshd,authentication_failed,").
	Groups string
	// Description is <description> (several are concatenated; the first
	// newline of each is replaced by a space). "" when absent.
	Description string

	// PCRE2 is <pcre2> (see RuleExtras.Regex for <regex>).
	PCRE2 *osregex.Pattern
	// EventIDPCRE2 is <id_pcre2>, compiled next to <id> (FieldConditions.EventID).
	EventIDPCRE2 *osregex.Pattern

	// IfSID is <if_sid> as written ("" when absent; set from
	// if_matched_sid when only that is given).
	IfSID string
	// IfMatchedSID is <if_matched_sid> (0 when absent).
	IfMatchedSID int
	// SidSearch is, for an if_matched_sid rule, the rule whose match
	// history it searches (the rule with id IfMatchedSID), nil otherwise.
	SidSearch *Rule
	// GroupHistories lists the if_matched_group rules whose group history
	// this rule feeds when it matches (OS_MarkGroup), one entry per mark,
	// so a rule reached through two parents can appear twice, as in OSSEC.
	// Only rules loaded before the if_matched_group rule are marked.
	GroupHistories []*Rule
	// LastEvents is the rule whose last-events buffer this rule uses
	// (itself when it correlates, else the parent's it inherited when it
	// was attached by if_sid or if_group); nil when none.
	LastEvents *Rule

	// Nodes are the RuleNodes where this rule appears, in the order they
	// were created (one for a top-level rule).
	Nodes []*RuleNode
	// Parents are the rules this one was attached below (empty for a
	// top-level rule), one per node, in attachment order.
	Parents []*Rule

	// Pos is where the <rule> element starts.
	Pos Pos

	// conds and extras are nil when the rule has none of their settings.
	conds  *FieldConditions
	extras *RuleExtras
}

// FieldConditions are the conditions of a rule on the event's decoded
// fields that few rules have (see Rule).
type FieldConditions struct {
	// SrcIP and DstIP are the <srcip>/<dstip> entries, in order.
	SrcIP []IPMatch
	DstIP []IPMatch

	// Field matchers on decoded fields: OS_Match patterns, or the _pcre2
	// variant when only that was given (OSSEC compiles the OS_Match one when
	// both are present, except for <id_pcre2> and <srcport_pcre2>, which are
	// compiled next to <id>/<srcport>; <id_pcre2> is Rule.EventIDPCRE2).
	// Nil when absent.
	SrcPort, SrcPortPCRE2         *osregex.Pattern
	DstPort, DstPortPCRE2         *osregex.Pattern
	User, UserPCRE2               *osregex.Pattern
	URL, URLPCRE2                 *osregex.Pattern
	EventID                       *osregex.Pattern // <id>
	Status, StatusPCRE2           *osregex.Pattern
	Hostname, HostnamePCRE2       *osregex.Pattern
	ProgramName, ProgramNamePCRE2 *osregex.Pattern
	ExtraData, ExtraDataPCRE2     *osregex.Pattern
	SrcGeoIP, SrcGeoIPPCRE2       *osregex.Pattern
	DstGeoIP, DstGeoIPPCRE2       *osregex.Pattern
	// Action is <action>: compared with the decoded action by strcmp
	// ("" when absent; OSSEC compares only when set).
	Action    string
	HasAction bool
	// Fields are the <field name="x">regex</field> entries (OS_Regex on
	// the dynamic field x).
	Fields []FieldMatch
	// Lists are the <list> lookups that remain attached to the rule
	// (OSSEC keeps only the last two when a rule has three or more; see
	// the loader), in order.
	Lists []*ListRule
}

// RuleExtras are the other settings of a rule that few rules have (see
// Rule).
type RuleExtras struct {
	// MaxSize is the maxsize attribute (0: none). It sets DoExtraInfo.
	MaxSize int
	// IgnoreTime is the ignore attribute: seconds during which the rule
	// does not fire again after it fired (0: none).
	IgnoreTime int
	// Ignore is <ignore>: fields stored in the FTS ignore list when the
	// rule fires.
	Ignore FTSFields
	// CheckIgnore is <check_if_ignored>: fields checked against that list.
	CheckIgnore FTSFields

	// Info is the concatenation of the <info> contents (RuleInfo.info).
	Info string
	// CVE is the concatenation of the <cve> contents (RuleInfo.cve).
	CVE string
	// InfoDetails are the <info> and <cve> entries in order (at most 33,
	// later ones silently dropped).
	InfoDetails []InfoDetail

	// Match is <match> (OS_Match), MatchPCRE2 is <match_pcre2>
	// (used only when there is no <match>).
	Match      *osregex.Pattern
	MatchPCRE2 *osregex.Pattern
	// Regex is <regex> (OS_Regex); Rule.PCRE2 may be set too.
	Regex *osregex.Pattern

	// Time is <time> (nil when absent).
	Time *TimeRange
	// Weekday is <weekday> (nil when absent).
	Weekday *WeekdaySet

	// IfLevel is <if_level> as written ("" when absent).
	IfLevel string
	// IfGroup is <if_group> as written, or if_matched_group's content
	// when that is used without if_sid/if_group ("" when absent).
	IfGroup string
	// IfMatchedGroup is <if_matched_group> (OS_Match on the groups string).
	IfMatchedGroup *osregex.Pattern
	// IfMatchedRegex is <if_matched_regex> (OS_Regex on previous events' logs).
	IfMatchedRegex *osregex.Pattern
	// CompiledRule is <compiled_rule> ("" when absent): the name of one
	// of OSSEC's built-in C checks (analysisd/compiled_rules:
	// check_id_size, comp_srcuser_dstuser,
	// comp_mswin_targetuser_calleruser_diff, is_simple_http_request,
	// is_valid_crawler).
	CompiledRule string

	// ActiveResponses are the active responses bound to the rule
	// (Rule_AddAR), in ossec.conf order.
	ActiveResponses []*ActiveResponse

	// Overwritten is where an overwrite="yes" rule that replaced the
	// rule's settings starts (zero if none).
	Overwritten Pos
}

// InfoType is the type of an <info> entry.
type InfoType uint8

// Info entry types (RULEINFODETAIL_*).
const (
	InfoText       InfoType = 0
	InfoLink       InfoType = 1
	InfoCVE        InfoType = 2
	InfoOSVDB      InfoType = 3
	InfoBugtrackID InfoType = 4
)

// InfoDetail is one <info> or <cve> entry of a rule.
type InfoDetail struct {
	Type InfoType
	Data string
}

// FieldMatch is a rule's <field name="Name">pattern</field>.
type FieldMatch struct {
	Name    string
	Pattern *osregex.Pattern // OS_Regex
}

// IPMatch is one <srcip>/<dstip> (or white_list) entry, as OS_IsValidIP
// parses it.
type IPMatch struct {
	// Text is the entry as written, including a leading '!'.
	Text string
	// Negate is true for a leading '!'.
	Negate bool
	// Any is true when the prefix length is 0 ("any", "!any", "x/0"):
	// OSSEC's compare then matches every address of either family.
	Any bool
	// Prefix is the address and prefix length (32/128 when no /n). An
	// IPv4-mapped IPv6 address is stored as IPv4, as OSSEC compares it.
	// The address is not masked: compare the first Prefix.Bits() bits.
	Prefix netip.Prefix
}

// TimeRange is a rule's <time>, as OS_IsValidTime normalises it: Start and
// End are "HH:MM", compared with the event's "HH:MM" as strings
// (Start <= now <= End), and Negate inverts the result. OSSEC swaps a
// reversed range and negates it ("22:00-06:00" becomes !06:00-22:00).
type TimeRange struct {
	Negate     bool
	Start, End string
}

// WeekdaySet is a rule's <weekday>: Days[0] is Sunday ... Days[6] Saturday.
// Negate is never true after OSSEC's parser (a leading '!' is rejected),
// but the field keeps the representation complete.
type WeekdaySet struct {
	Days   [7]bool
	Negate bool
}

// ListField is the decoded field a <list> looks up (RULE_*).
type ListField uint16

// List fields, with OSSEC's values.
const (
	ListSrcIP       ListField = 2
	ListSrcPort     ListField = 4
	ListDstIP       ListField = 8
	ListDstPort     ListField = 16
	ListUser        ListField = 32
	ListURL         ListField = 64
	ListID          ListField = 128
	ListHostname    ListField = 256
	ListProgramName ListField = 512
	ListStatus      ListField = 1024
	ListAction      ListField = 2048
)

// ListLookup is a <list lookup="...">.
type ListLookup uint8

// List lookups, with OSSEC's values.
const (
	LookupMatchKey             ListLookup = 0  // match_key (default)
	LookupNotMatchKey          ListLookup = 1  // not_match_key
	LookupMatchKeyValue        ListLookup = 2  // match_key_value
	LookupAddressMatchKey      ListLookup = 10 // address_match_key
	LookupNotAddressMatchKey   ListLookup = 11 // not_address_match_key
	LookupAddressMatchKeyValue ListLookup = 12 // address_match_key_value
)

// ListRule is one <list> condition of a rule.
type ListRule struct {
	Field  ListField
	Lookup ListLookup
	// Name is the element content (the list path as written in the rule).
	Name string
	// List is the list it names, nil when no <list> in ossec.conf matches
	// (OSSEC then treats the lookup as not loaded).
	List *List
	// CheckValue is the check_value attribute (OS_Match on the value),
	// nil when absent.
	CheckValue *osregex.Pattern
	Pos        Pos
}

// List is one CDB list from <rules><list>: OSSEC reads the compiled .cdb;
// we read the text source (key:value lines) that ossec-makelists compiles.
type List struct {
	// Name is the text file path as OSSEC derives it ("rules/x" for a bare
	// name, without ".cdb"); CDBName is Name + ".cdb". A rule's <list>
	// refers to a list by either.
	Name    string
	CDBName string
	// Configured is the <list> text as the configuration names it, which
	// analysisd logs when it reads the list ("Reading the lists file:
	// 'etc/lists/x'"); a list added on top of a base installation is
	// named lists/FILE.
	Configured string
	// Path is the file read on disk ("" when not found: Loaded is false).
	Path   string
	Loaded bool
	// Entries maps each key to its value ("" when the line had no value).
	Entries map[string]string
	Pos     Pos
}

// Decoder is one compiled <decoder> (OSSEC's OSDecoderInfo).
type Decoder struct {
	// Name is the name OSSEC reports: the parent's name for a child
	// decoder without use_own_name, the decoder's own name otherwise.
	Name string
	// OwnName is the name attribute as written.
	OwnName string
	// ID is the decoder ID (position in the decoder name store); a child
	// without use_own_name has its parent's ID.
	ID int
	// Parent is the <parent> content ("" for a top-level decoder);
	// ParentDecoders are the top-level decoders of that name it was
	// attached to (several when several share the name).
	Parent         string
	ParentDecoders []*Decoder
	// Type is <type> (CategorySyslog by default).
	Type Category
	// UseOwnName is <use_own_name>true</use_own_name>.
	UseOwnName bool
	// GetNext is set when the next sibling decoder has the same name and
	// the same kind of regex: after this one's regex, OSSEC goes on with
	// that sibling (multi-regex decoders).
	GetNext bool

	// ProgramName is <program_name> (OS_Match) or, when absent,
	// <program_name_pcre2> (Kind PCRE2); nil when neither.
	ProgramName *osregex.Pattern
	// Prematch is <prematch> (OS_Regex) or <prematch_pcre2>; nil when neither.
	Prematch *osregex.Pattern
	// PrematchOffset is the prematch offset attribute (only OffsetAfterParent
	// is allowed).
	PrematchOffset Offset
	// Regex is <regex> (OS_Regex, with substrings) or <pcre2>; nil when neither.
	Regex *osregex.Pattern
	// RegexOffset is the regex offset attribute (shared by <regex> and
	// <pcre2>); after_prematch on a decoder without parent becomes
	// after_parent, as OSSEC rewrites it.
	RegexOffset Offset

	// Order are the field setters of <order>, one per capture group.
	Order []FieldSetter
	// FTS is <fts>.
	FTS FTSFields
	// Accumulate is <accumulate/>.
	Accumulate bool
	// Plugin is <plugin_decoder> (PluginNone when absent).
	Plugin Plugin

	// Children are the child decoders (only a top-level decoder has
	// them), in load order.
	Children []*Decoder

	// Pos is where the <decoder> element starts.
	Pos Pos
}

// Offset is a decoder offset attribute (AFTER_* bits).
type Offset uint8

// Offsets.
const (
	OffsetNone          Offset = 0
	OffsetAfterParent   Offset = 0x001 // after_parent
	OffsetAfterPrematch Offset = 0x002 // after_prematch
	OffsetAfterRegex    Offset = 0x004 // after_regex
)

// FieldKind is the event field an <order> entry sets.
type FieldKind uint8

// Field kinds.
const (
	FieldDynamic    FieldKind = iota // any other name: a dynamic field (FieldSetter.Name)
	FieldDstUser                     // dstuser, user
	FieldSrcUser                     // srcuser
	FieldSrcIP                       // srcip
	FieldDstIP                       // dstip
	FieldSrcPort                     // srcport
	FieldDstPort                     // dstport
	FieldProtocol                    // protocol
	FieldAction                      // action
	FieldID                          // id
	FieldURL                         // url
	FieldData                        // data, extra_data
	FieldStatus                      // status
	FieldSystemName                  // system_name
	FieldFileName                    // any entry containing "filename"
)

// FieldSetter is one <order> entry.
type FieldSetter struct {
	Kind FieldKind
	// Name is the entry as OSSEC keeps it: for FieldDynamic the dynamic
	// field's name (the raw entry with at most one leading space removed);
	// for the others the trimmed word.
	Name string
}

// Plugin is a built-in plugin decoder.
type Plugin uint8

// Plugin decoders of OSSEC 4.3.0.
const (
	PluginNone       Plugin = iota
	PluginPF                // PF_Decoder
	PluginSymantecWS        // SymantecWS_Decoder
	PluginSonicWall         // SonicWall_Decoder
	PluginOSSECAlert        // OSSECAlert_Decoder
)

// Command is a <command> of ossec.conf.
type Command struct {
	Name       string
	Executable string
	// Expect lists what the command needs: "srcip", "user", "filename"
	// (from <expect>, comma separated), in order.
	Expect []string
	// TimeoutAllowed is <timeout_allowed>yes</timeout_allowed>.
	TimeoutAllowed bool
	Pos            Pos
}

// ARLocation is where an active response runs: a set of OSSEC's recipient
// bits (headers/ar.h), several of which may be set at once.
type ARLocation uint8

// Active response locations.
const (
	ARAllAgents     ARLocation = 0o01 // "all" or "any": every agent (ALL_AGENTS)
	ARRemoteAgent   ARLocation = 0o02 // "local": the agent that generated the event (REMOTE_AGENT)
	ARSpecificAgent ARLocation = 0o04 // "defined-agent": AgentID (SPECIFIC_AGENT)
	ARServer        ARLocation = 0o10 // "server", "AS", "analysisd": the manager (AS_ONLY)
)

// ActiveResponse is an <active-response> of ossec.conf.
type ActiveResponse struct {
	// Name is OSSEC's AR name: the command name followed by the timeout
	// ("host-deny600").
	Name string
	// CommandName is <command>; Command is the <command> block it names.
	CommandName string
	Command     *Command
	Location    ARLocation
	// AgentID is <agent_id> for defined-agent.
	AgentID string
	// Level is <level> (0: not by level).
	Level int
	// RulesID is <rules_id> as written ("" when absent).
	RulesID string
	// RulesGroup is <rules_group> (OS_Regex on the rule's groups), nil when absent.
	RulesGroup     *osregex.Pattern
	RulesGroupText string
	// Timeout is <timeout> in seconds (0: none).
	Timeout int
	Pos     Pos
}
