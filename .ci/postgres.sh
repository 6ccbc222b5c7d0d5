#!/usr/bin/env bash
# Starts a PostgreSQL server on loopback for the decision-log store tests, installing
# Debian's package first if it is missing, and prints the DSN to use. Idempotent.
set -euo pipefail

if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h 2>/dev/null | grep -q "^$version main"; then
  pg_createcluster "$version" main >/dev/null 2>&1
fi
# Loopback only: the tests need nothing else.
conf=/etc/postgresql/$version/main/postgresql.conf
grep -q "^listen_addresses = 'localhost'" "$conf" || echo "listen_addresses = 'localhost'" >> "$conf"
pg_ctlcluster "$version" main start >/dev/null 2>&1 || true
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 && break
  sleep 1
done
runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 <<'SQL' >/dev/null
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'numgate') THEN
    CREATE ROLE numgate LOGIN CREATEDB PASSWORD 'numgate';
  END IF;
END $$;
SELECT 'CREATE DATABASE numgate OWNER numgate' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'numgate')\gexec
SQL
echo "postgres://numgate:numgate@127.0.0.1:5432/numgate?sslmode=disable"
