#!/usr/bin/env bash
# Fetches the SARIF 2.1.0 JSON schema (OASIS, final "rtm.5" revision) from the npm package
# @microsoft/jest-sarif (MIT), which ships it, into this folder. The schema file is committed;
# run this script to refresh or verify it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="${JEST_SARIF_VERSION:-1.0.0-beta.0}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "@microsoft/jest-sarif@$version" >/dev/null && tar xzf ./*.tgz)
cp "$work/package/lib/schemas/sarif-2.1.0-rtm.5.json" "$here/sarif-2.1.0.json"
licence="$(node -e "console.log(require('$work/package/package.json').license)")"
cat > "$here/sarif-2.1.0.NOTICE.txt" <<NOTICE
sarif-2.1.0.json is the SARIF 2.1.0 JSON schema (sarif-2.1.0-rtm.5.json) as shipped in the npm
package @microsoft/jest-sarif@$version (licence: $licence), fetched by fetch-sarif-schema.sh.
SARIF is an OASIS standard: https://docs.oasis-open.org/sarif/sarif/v2.1.0/
NOTICE
echo "sarif-2.1.0.json from @microsoft/jest-sarif@$version"
