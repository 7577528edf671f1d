using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace ContactCenter.Crm.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    internal partial class SupervisorMonitoring : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "TakenOverFrom",
                table: "Interactions",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "MonitoringEvents",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    MonitoringId = table.Column<Guid>(type: "uuid", nullable: false),
                    Sequence = table.Column<int>(type: "integer", nullable: false),
                    CallId = table.Column<Guid>(type: "uuid", nullable: true),
                    SupervisorId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    AgentId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Mode = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Phase = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Reason = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    At = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MonitoringEvents", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_MonitoringEvents_CallId_At",
                table: "MonitoringEvents",
                columns: new[] { "CallId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_MonitoringEvents_MonitoringId_Sequence",
                table: "MonitoringEvents",
                columns: new[] { "MonitoringId", "Sequence" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_MonitoringEvents_SupervisorId_At",
                table: "MonitoringEvents",
                columns: new[] { "SupervisorId", "At" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "MonitoringEvents");

            migrationBuilder.DropColumn(
                name: "TakenOverFrom",
                table: "Interactions");
        }
    }
}
