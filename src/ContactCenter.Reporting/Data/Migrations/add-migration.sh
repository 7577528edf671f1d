#!/usr/bin/env bash
# Adds the migration NAME of the reports' tables for every provider (Sqlite, SqlServer, PostgreSql) with dotnet-ef
# (`dotnet tool install --global dotnet-ef --version 10.0.15`). Run from anywhere.
#
#   add-migration.sh NAME                  every provider that has no migration NAME yet
#   add-migration.sh NAME PostgreSql ...   only the providers named
#
# A provider that already has a migration NAME is left alone, so after merging a branch that added
# NAME for some providers only, the same command adds it for the others (each provider's migration is
# made from its own snapshot, so it carries whatever that provider's migrations still lack).
set -euo pipefail
name=${1:?usage: add-migration.sh NAME [Sqlite|SqlServer|PostgreSql ...]}
shift
providers=("$@")
((${#providers[@]})) || providers=(Sqlite SqlServer PostgreSql)
project=$(cd "$(dirname "$0")/../.." && pwd)
context_suffix=ReportingDbContext
folder=Data/Migrations
namespace=ContactCenter.Reporting.Data.Migrations

cd "$project"
ef=$(command -v dotnet-ef || echo "$HOME/.dotnet/tools/dotnet-ef")
[ -x "$ef" ] || { echo "add-migration.sh: dotnet-ef not found (dotnet tool install --global dotnet-ef --version 10.0.15)" >&2; exit 1; }
# One build for every provider; dotnet-ef then runs with --no-build.
dotnet build . -nologo -v q -clp:ErrorsOnly
added=()
for provider in "${providers[@]}"; do
    case "$provider" in
        Sqlite|SqlServer|PostgreSql) ;;
        *) echo "add-migration.sh: unknown provider '$provider' (Sqlite, SqlServer or PostgreSql)" >&2; exit 2 ;;
    esac
    if compgen -G "$folder/$provider/*_$name.cs" >/dev/null; then
        echo "add-migration.sh: $provider already has a migration $name; left alone"
        continue
    fi
    "$ef" migrations add "$name" --no-build --project . --startup-project . \
        --context "$provider$context_suffix" \
        --output-dir "$folder/$provider" \
        --namespace "$namespace.$provider"
    # dotnet-ef may put the snapshot in a folder named after the namespace: move it beside its migrations.
    if [ -d "${namespace//.//}/$provider" ]; then
        mv "${namespace//.//}/$provider"/*.cs "$folder/$provider/"
        rm -r "${namespace%%.*}"
    fi
    # Keep the module's public surface small.
    sed -i 's/^    public partial class/    internal partial class/' "$folder/$provider"/*.cs
    added+=("$provider")
done
echo "add-migration.sh: added $name for ${added[*]:-no provider}"
