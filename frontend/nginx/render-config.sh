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

awk -v servers="$servers" -v port="${ROOMCAST_PORT:-8080}" -v root="${ROOMCAST_ROOT:-/usr/share/nginx/html}" '
    /^@NODES@$/ { printf "%s", servers; next }
    { gsub(/@PORT@/, port); gsub(/@ROOT@/, root); print }
' "$template" > "$conf"
echo "roomcast: nginx balances /ws over: $ROOMCAST_NODES"
