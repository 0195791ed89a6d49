#!/bin/sh
# Adds this rules repository's files to the OSSEC installation in $1
# (/var/ossec) of a published OSSEC server image. Run by the Dockerfile
# beside it; it only copies and appends configuration, it builds nothing.
set -eu
dir=${1:-/var/ossec}
conf=$dir/etc/ossec.conf

test -f "$conf" || { echo "install.sh: no $conf: is the base image an OSSEC server?" >&2; exit 1; }
test -x "$dir/bin/ossec-logtest" || { echo "install.sh: no $dir/bin/ossec-logtest in the base image" >&2; exit 1; }

# OSSEC reads every <ossec_config> block of ossec.conf: ours are appended
# after the image's own, so that their settings layer on top of it.
{
  echo
  echo "<!-- ossec-ruletest: rules repository settings -->"
  cat "$dir/etc/ruletest-ossec.conf"
  echo
  echo "<!-- ossec-ruletest: live injection settings -->"
  cat "$dir/etc/ruletest-live.conf"
  echo
  echo "<ossec_config>"
  echo "  <rules>"
  for f in "$dir"/rules/ruletest/*.xml; do
    [ -e "$f" ] || continue
    echo "    <include>ruletest/$(basename "$f")</include>"
  done
  echo "  </rules>"
  echo "</ossec_config>"
} >> "$conf"

# Decoders go into local_decoder.xml, which OSSEC reads after decoder.xml
# when ossec.conf lists no <decoder> files (the stock configuration).
if grep -q "<decoder>" "$conf"; then
  echo "install.sh: $conf lists <decoder> files; add etc/ruletest-decoders/*.xml to it by hand" >&2
  exit 1
fi
for f in "$dir"/etc/ruletest-decoders/*.xml; do
  [ -e "$f" ] || continue
  { echo; echo "<!-- ossec-ruletest: $(basename "$f") -->"; cat "$f"; } >> "$dir/etc/local_decoder.xml"
done

chmod 0750 "$dir/active-response/bin/ossec-ar-verify-file"
# ossec-ar-verify-file reads its configuration only when root owns it and
# no one else may write it.
chown root:root "$dir/etc/ossec-ar-verify.conf"
chmod 0644 "$dir/etc/ossec-ar-verify.conf"
touch "$dir/logs/ar-verify.log"
if grep -q '^ossec:' /etc/group; then
  chgrp ossec "$conf" "$dir/etc/local_decoder.xml" "$dir/active-response/bin/ossec-ar-verify-file"
  chgrp -R ossec "$dir/rules/ruletest"
fi

# The configuration must load: ossec-logtest -t reads it and every rule and
# decoder file, and fails the build when one is wrong.
"$dir/bin/ossec-logtest" -t
echo "install.sh: ruleset installed and checked"
