package arverify

// DefaultCommandName is the <name> of the active response's <command> in
// ossec.conf; analysisd sends it, with the timeout (0) appended, as the
// message's first word. (Defined on every system: the native engine names
// the program it runs with it.)
const DefaultCommandName = "ossec-ar-verify-file"

// ConfineEnv names the variable with which a test harness that runs the
// program on a case's fake installation (ossec-ruletest's native engine)
// keeps it inside that directory: the configuration, which comes with the
// case, may then put its state, its log and its verdicts only below it,
// and verdicts never go to the host's syslog. ossec-execd sets no such
// variable.
const ConfineEnv = "OSSEC_AR_VERIFY_CONFINE"
