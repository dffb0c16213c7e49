#!/bin/sh
# Joins the three CouchDB nodes of docker-compose.cluster.yml into one cluster,
# with CouchDB's documented /_cluster_setup sequence, run from the first node:
# enable_cluster on each node, add_node for the others, finish_cluster.
# Safe to run again: a finished cluster is left as it is.
set -eu
first="http://couchdb:5984"
others="couchdb-2 couchdb-3"
auth="$COUCHDB_USER:$COUCHDB_PASSWORD"

setup() {
  curl -fsS -u "$auth" -H 'Content-Type: application/json' -X POST "$first/_cluster_setup" -d "$1"
  echo
}

if curl -fsS -u "$auth" "$first/_cluster_setup" | grep -q cluster_finished; then
  echo "the cluster is set up already"
  exit 0
fi

setup "{\"action\":\"enable_cluster\",\"bind_address\":\"0.0.0.0\",\"username\":\"$COUCHDB_USER\",\"password\":\"$COUCHDB_PASSWORD\",\"node_count\":\"3\"}" || true
for node in $others; do
  setup "{\"action\":\"enable_cluster\",\"bind_address\":\"0.0.0.0\",\"username\":\"$COUCHDB_USER\",\"password\":\"$COUCHDB_PASSWORD\",\"port\":5984,\"node_count\":\"3\",\"remote_node\":\"$node\",\"remote_current_user\":\"$COUCHDB_USER\",\"remote_current_password\":\"$COUCHDB_PASSWORD\"}"
  setup "{\"action\":\"add_node\",\"host\":\"$node\",\"port\":5984,\"username\":\"$COUCHDB_USER\",\"password\":\"$COUCHDB_PASSWORD\"}"
done
setup '{"action":"finish_cluster"}'
curl -fsS -u "$auth" "$first/_membership"
