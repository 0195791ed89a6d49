package arverify

// DefaultCommandName is the <name> of the active response's <command> in
// ossec.conf; analysisd sends it, with the timeout (0) appended, as the
// message's first word. (Defined on every system: the native engine names
// the program it runs with it.)
const DefaultCommandName = "ossec-ar-verify-file"
