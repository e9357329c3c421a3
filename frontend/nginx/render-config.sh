#!/bin/sh
# Writes nginx's Roomcast site config from its template and the environment.
# The web image runs it at start-up (from /docker-entrypoint.d/); the native
# topology test runs the same script on the same template.
#
#   ROOMCAST_NODES     the nodes, "host:port host:port ..." (required)
#   ROOMCAST_PORT      where nginx listens (default 8080)
#   ROOMCAST_ROOT      the built web client (default /usr/share/nginx/html)
#   ROOMCAST_TEMPLATE  the template (default: the image's copy)
#   ROOMCAST_CONF      the output (default: the image's default site)
set -eu

template="${ROOMCAST_TEMPLATE:-/etc/nginx/roomcast/roomcast.conf.template}"
conf="${ROOMCAST_CONF:-/etc/nginx/conf.d/default.conf}"
: "${ROOMCAST_NODES:?set ROOMCAST_NODES to the nodes, e.g. \"node-1:8080 node-2:8080\"}"

servers=""
for node in $ROOMCAST_NODES; do
    # A node that fails a connection is left out for 5 s.
    servers="${servers}    server ${node} max_fails=1 fail_timeout=5s;\n"
done

root="${ROOMCAST_ROOT:-/usr/share/nginx/html}"

# trunk puts one inline module script into index.html, which starts the app;
# the Content Security Policy allows exactly that script by its SHA-256.
inline=$(sed -n 's/.*<script type=module>\(.*\)<\/script>.*/\1/p' "$root/index.html" | head -n 1)
if [ -z "$inline" ]; then
    echo "roomcast: no inline module script in $root/index.html" >&2
    exit 1
fi
# sha256sum prints hex; CSP wants the digest's bytes in base64. Both busybox
# and coreutils have sha256sum and base64; printf turns octal escapes (which
# dash's printf knows, unlike \x) into the bytes.
octal=$(printf '%s' "$inline" | sha256sum | cut -c1-64 | awk '{
    for (i = 1; i <= 64; i += 2) {
        hi = index("0123456789abcdef", substr($0, i, 1)) - 1
        lo = index("0123456789abcdef", substr($0, i + 1, 1)) - 1
        printf "\\%03o", hi * 16 + lo
    }
}')
# The format is the escapes we built, not outside input.
# shellcheck disable=SC2059
hash=$(printf "$octal" | base64)
csp="default-src 'self'; script-src 'self' 'sha256-$hash' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
headers="        add_header Content-Security-Policy \"$csp\" always;\n"
headers="${headers}        add_header X-Content-Type-Options nosniff always;\n"
headers="${headers}        add_header X-Frame-Options DENY always;\n"
headers="${headers}        add_header Referrer-Policy no-referrer always;\n"

awk -v servers="$servers" -v headers="$headers" -v port="${ROOMCAST_PORT:-8080}" -v root="$root" '
    /^@NODES@$/ { printf "%s", servers; next }
    /^@SECURITY_HEADERS@$/ { printf "%s", headers; next }
    { gsub(/@PORT@/, port); gsub(/@ROOT@/, root); print }
' "$template" > "$conf"
echo "roomcast: nginx balances /ws over: $ROOMCAST_NODES"
