#!/usr/bin/env bash
# Adds one migration to BOTH provider sets (SQLite and PostgreSQL). Run from the repo root after
# `dotnet tool restore`:  bash Vault/Storage/add-migration.sh NAME
set -e
name=$1
dotnet build Vault/Vault.csproj -v q -nologo | grep -E "error|rror" || true
for p in Sqlite Postgres; do
  dotnet ef migrations add "$name" --no-build --project Vault --context ${p}VaultDbContext --output-dir Storage/Migrations/$p --namespace DataVault.Vault.Storage.Migrations.$p 2>&1 | grep -v "tools version"
done
# dotnet-ef places the model snapshot by namespace under the root namespace; put it beside its migrations.
if [ -d Vault/DataVault ]; then
  for p in Sqlite Postgres; do mv Vault/DataVault/Vault/Storage/Migrations/$p/*.cs Vault/Storage/Migrations/$p/ 2>/dev/null || true; done
  rm -rf Vault/DataVault
fi
