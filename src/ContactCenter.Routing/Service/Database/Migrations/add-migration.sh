#!/usr/bin/env bash
# Adds a migration NAME of routing's tables for both providers with dotnet-ef 10.0.14
# (`dotnet tool install --global dotnet-ef --version 10.0.14`). Run from anywhere.
set -euo pipefail
name=${1:?usage: add-migration.sh NAME}
project=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$project"
for provider in Sqlite SqlServer; do
    dotnet-ef migrations add "$name" --project . --startup-project . \
        --context "${provider}RoutingDbContext" \
        --output-dir "Service/Database/Migrations/$provider" \
        --namespace "ContactCenter.Routing.Service.Database.Migrations.$provider"
    # dotnet-ef puts the snapshot in a folder named after the namespace: move it beside its migrations.
    if [ -d ContactCenter ]; then
        mv ContactCenter/Routing/Service/Database/Migrations/$provider/*.cs "Service/Database/Migrations/$provider/"
        rm -r ContactCenter
    fi
done
# Keep the module's public surface small.
sed -i 's/^    public partial class/    internal partial class/' Service/Database/Migrations/*/*.cs
