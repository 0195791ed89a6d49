package ruleset

// Diagnostic codes. Codes of XML syntax errors are those of package
// ossecxml ("xml-..."). Unless noted, each is an error OSSEC 4.3.0 refuses
// to start with.
const (
	CodeXML            Code = "xml"             // other XML reading failure
	CodeFileNotFound   Code = "file-not-found"  // a file OSSEC must read is missing
	CodeFileRead       Code = "file-read"       // a file exists but cannot be read
	CodeInternalOption Code = "internal-option" // bad value in internal_options.conf

	// ossec.conf
	CodeConfigRoot         Code = "config-root"          // top-level element other than ossec_config/agent_config
	CodeConfigEmptySection Code = "config-empty-section" // a section without child elements
	CodeConfigSection      Code = "config-section"       // unknown section
	CodeConfigElement      Code = "config-element"       // unknown element in a section
	CodeConfigValue        Code = "config-value"         // invalid value
	CodeARMissing          Code = "ar-missing"           // <active-response> without command or location
	CodeARLocation         Code = "ar-location"          // invalid location / defined-agent without agent_id
	CodeARCommand          Code = "ar-command"           // <active-response> names an unknown command
	CodeARTimeout          Code = "ar-timeout"           // timeout on a command that does not allow it
	CodeARCommandMissing   Code = "ar-command-missing"   // <command> without name, executable or expect
	CodeARRulesGroup       Code = "ar-rules-group"       // warning: rules_group does not compile (never matches)
	CodeListMissing        Code = "list-missing"         // warning: a <list> file does not exist

	// XML that OSSEC reads without complaint but ignores in part: almost
	// certainly not what was meant (warnings).
	CodeXMLNested Code = "xml-nested" // an element inside the value of a rule, decoder or ossec.conf option (a <rule> pasted into a <description>)
	CodeXMLText   Code = "xml-text"   // text in a <group>, <rule> or <decoder> outside its elements
	CodeXMLAttr   Code = "xml-attr"   // an attribute OSSEC does not read (<match negate="yes">, <regex type="pcre2">)

	// decoders
	CodeDecoderRoot       Code = "decoder-root"        // top-level element other than <decoder>
	CodeDecoderName       Code = "decoder-name"        // missing name or extra attributes
	CodeDecoderEmpty      Code = "decoder-empty"       // decoder without elements / file without decoders
	CodeDecoderElement    Code = "decoder-element"     // unknown element
	CodeDecoderOffset     Code = "decoder-offset"      // invalid offset attribute or offset use
	CodeDecoderPlugin     Code = "decoder-plugin"      // unknown plugin_decoder, or plugin with regex/order
	CodeDecoderType       Code = "decoder-type"        // invalid <type>
	CodeDecoderOrder      Code = "decoder-order"       // invalid <order> entry / too many fields
	CodeDecoderFTS        Code = "decoder-fts"         // invalid <fts> entry
	CodeDecoderNoPrematch Code = "decoder-no-prematch" // no prematch, parent or program_name
	CodeDecoderRegex      Code = "decoder-regex"       // regex without order, order/fts without regex
	CodeDecoderSubstrings Code = "decoder-substrings"  // regex OSSEC runs as a plain string compare (no captures)
	CodeDecoderParent     Code = "decoder-parent"      // parent decoder not found
	CodeDecoderSibling    Code = "decoder-sibling"     // invalid same-name child decoder (prematch, fts, regex kind)
	CodeDecoderTooLong    Code = "decoder-too-long"    // warning: a value over 8 KiB that OSSEC drops

	// rules
	CodeRuleRoot        Code = "rule-root"         // top-level element other than <group name="...">
	CodeRuleGroupEmpty  Code = "rule-group-empty"  // group without rules
	CodeRuleElement     Code = "rule-element"      // element other than <rule> in a group
	CodeRuleAttr        Code = "rule-attr"         // unknown or invalid rule attribute
	CodeRuleIDLevel     Code = "rule-id-level"     // missing id or level
	CodeRuleDuplicate   Code = "rule-duplicate"    // duplicate rule id
	CodeRuleNoOptions   Code = "rule-no-options"   // rule without any element
	CodeRuleOption      Code = "rule-option"       // unknown element in a rule
	CodeRuleValue       Code = "rule-value"        // invalid element value (time, weekday, ip, category, options, ...)
	CodeRuleDecoder     Code = "rule-decoder"      // decoded_as names no decoder
	CodeRuleInfo        Code = "rule-info"         // <info> attribute on which OSSEC loops forever
	CodeRuleField       Code = "rule-field"        // <field> without name attribute (OSSEC crashes) or bad attribute
	CodeRuleList        Code = "rule-list"         // invalid <list>
	CodeRuleContext     Code = "rule-context"      // frequency/same_* without if_matched_*
	CodeRuleOverwrite   Code = "rule-overwrite"    // overwrite="yes" of a rule that does not exist
	CodeRuleIfSID       Code = "rule-if-sid"       // if_sid names a rule that does not exist / not a number
	CodeRuleIfLevel     Code = "rule-if-level"     // no rule has the if_level
	CodeRuleIfGroup     Code = "rule-if-group"     // no rule has the if_group
	CodeRuleCategory    Code = "rule-category"     // no top-level rule of the category
	CodeRuleTooLong     Code = "rule-too-long"     // warning: a value of 2 KiB or more that OSSEC drops
	CodeRuleNotAttached Code = "rule-not-attached" // warning: if_level 0: OSSEC loads the rule nowhere
	CodePattern         Code = "pattern"           // OSSEC rejects the pattern (it does not compile in OSSEC 4.3.0)

	// CodePatternUnsupported: OSSEC accepts the pattern (PCRE2 compiles
	// it) but this tool's pure-Go engine cannot run it exactly (recursion,
	// conditionals, callouts, verbs, \K, \p, ...). The ruleset is not wrong;
	// this tool cannot test it.
	CodePatternUnsupported Code = "pattern-unsupported"
	CodePatternJITStack    Code = "pattern-jit-stack" // warning: PCRE2's JIT stack can run out on a line OSSEC reads (then no match)
)
