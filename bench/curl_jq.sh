#!/usr/bin/env bash
# Peer: what users write today. Counts clicks on port 6260 by following `next` with curl and jq.
# Usage: curl_jq.sh API_BASE TOKEN [LIMIT]   (prints the count; the number of requests on stderr)
# Without LIMIT it starts from the URL the API documentation shows (the server's default page).
set -euo pipefail
url="${1}openforiplinkclicks/?token=${2}"
[ -n "${3:-}" ] && url="${1}openforiplinkclicks/?limit=${3}&token=${2}"
total=0
requests=0
while [ -n "$url" ] && [ "$url" != "null" ]; do
  page=$(curl -sf "$url")
  requests=$((requests + 1))
  n=$(jq '[.results[] | select(.port == 6260)] | length' <<<"$page")
  total=$((total + n))
  url=$(jq -r '.next' <<<"$page")
done
echo "$total"
echo "requests=$requests" >&2
