using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ContactCenter.Crm.Data.Migrations.SqlServer
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
                type: "nvarchar(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "MonitoringEvents",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("SqlServer:Identity", "1, 1"),
                    MonitoringId = table.Column<Guid>(type: "uniqueidentifier", nullable: false),
                    Sequence = table.Column<int>(type: "int", nullable: false),
                    CallId = table.Column<Guid>(type: "uniqueidentifier", nullable: true),
                    SupervisorId = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    AgentId = table.Column<string>(type: "nvarchar(64)", maxLength: 64, nullable: false),
                    Mode = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    Phase = table.Column<string>(type: "nvarchar(16)", maxLength: 16, nullable: false),
                    Reason = table.Column<string>(type: "nvarchar(256)", maxLength: 256, nullable: true),
                    At = table.Column<DateTimeOffset>(type: "datetimeoffset", nullable: false)
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
